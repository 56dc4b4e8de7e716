package vn.phananh.data

import java.time.Instant
import kotlinx.coroutines.flow.Flow
import vn.phananh.core.Attachment
import vn.phananh.core.DataExportSummary
import vn.phananh.core.Draft
import vn.phananh.core.DraftEdit
import vn.phananh.core.FeedPage
import vn.phananh.core.FeedQuery
import vn.phananh.core.FieldError
import vn.phananh.core.LocationAssessment
import vn.phananh.core.LocationFix
import vn.phananh.core.OtpRequested
import vn.phananh.core.OutboxItem
import vn.phananh.core.OutboxSnapshot
import vn.phananh.core.PushEffect
import vn.phananh.core.PushPlatform
import vn.phananh.core.Report
import vn.phananh.core.ReportsSnapshot
import vn.phananh.core.RunSummary
import vn.phananh.core.TenantConfig
import vn.phananh.core.TenantRefresh
import vn.phananh.core.UserInfo

/** The province's configuration in use (in memory, cheap); every feature reads it. */
interface TenantRepository {
    fun config(): TenantConfig
    /**
     * Call at start and from every background run: the core asks the server for the province's
     * configuration and ward boundaries at most once a day (with the ETags it has; its own
     * clock, the only schedule there is), when online. What changed is in use at once. A
     * document the core refuses leaves the current one (a typed error).
     */
    suspend fun refreshTenantIfDue(): TenantRefresh
}

/** Sign-in with phone + OTP; the session lives in the platform's secret store. */
interface SessionRepository : TenantRepository {
    suspend fun requestOtp(phone: String): OtpRequested
    suspend fun signIn(phone: String, code: String): UserInfo
    /** Drafts and unsent items stay on the phone for this account (see [unsentCount]). */
    suspend fun signOut()
    suspend fun isSignedIn(): Boolean
    /** Drafts and queued items of the signed-in account not delivered yet (0 when signed out). */
    suspend fun unsentCount(): Int
}

/**
 * The resident's rights over their data (Decree 13/2023/NĐ-CP): take it out, or leave.
 * Failures are `PhanAnhException` (`Offline` when the server cannot be reached).
 */
interface AccountRepository {
    /**
     * "Download my data": a new folder under [dir] with `data.json` (the server's record of
     * this account: reports, ratings, consent history; this phone's unsent drafts) and the media.
     */
    suspend fun exportMyData(dir: String): DataExportSummary
    /**
     * "Delete my account": the server erases the person (public reports stay, without
     * identity), then this phone forgets the account's data and session. Offline or refused:
     * throws, and nothing is deleted anywhere.
     */
    suspend fun deleteAccount()
}

/** Drafts of new reports: autosaved edits, attachments, the location choice, the move into the outbox. */
interface DraftRepository : TenantRepository {
    suspend fun createDraft(): Draft
    suspend fun draft(id: String): Draft
    /** Drafts still being edited, most recent first. */
    suspend fun drafts(): List<Draft>
    /** Autosave: the edits are applied in one transaction. */
    suspend fun updateDraft(id: String, edits: List<DraftEdit>): Draft
    suspend fun deleteDraft(id: String)
    /** Copies the file into app storage; the original may be deleted afterwards. */
    suspend fun addAttachment(draftId: String, path: String): Attachment
    suspend fun removeAttachment(attachmentId: String)
    /** Every problem that would stop the draft from being sent; empty when ready. */
    suspend fun validateDraft(id: String): List<FieldError>
    /** Moves a valid draft into the outbox; throws `PhanAnhException.Validation` otherwise. */
    suspend fun submitDraft(id: String): OutboxItem
    /** Chooses and saves the draft's position (with its ward) among the device's fixes and the photos' own. */
    suspend fun setDraftLocation(draftId: String, deviceFixes: List<LocationFix>): LocationAssessment
}

/** The send queue and its delivery. */
interface OutboxRepository : TenantRepository {
    /** The send queue, oldest first. */
    suspend fun outbox(): List<OutboxItem>
    /** The outbox with upload progress: the current snapshot, then every change. */
    fun outboxUpdates(): Flow<OutboxSnapshot>
    suspend fun retryOutboxItem(clientId: String): OutboxItem
    /** Take an item back while the server cannot have it yet; a report returns to the drafts. */
    suspend fun cancelOutboxItem(clientId: String): OutboxItem
    /** Bounded background work: deliver, then pull status changes, until [deadline]. */
    suspend fun runPending(deadline: Instant): RunSummary
    fun setConnectivity(online: Boolean, metered: Boolean)
    /** Videos wait for an unmetered network (the user's setting). */
    suspend fun setVideoWifiOnly(enabled: Boolean)
}

/** My reports (cached, works offline), their status from the server, ratings, the public feed. */
interface ReportsRepository : TenantRepository {
    /** My reports from the local cache: the current list, then every real change. */
    fun myReportsUpdates(): Flow<ReportsSnapshot>
    /** My reports from the local cache (works offline), newest change first. */
    suspend fun myReports(): List<Report>
    suspend fun syncMyReports(): List<String>
    suspend fun cachedReport(id: String): Report?
    suspend fun refreshReport(id: String): Report
    /** Queued in the outbox (works offline); [level] is a value of the tenant's scale. */
    suspend fun rateReport(reportId: String, level: Int, comment: String?, reopen: Boolean): OutboxItem
    /** "Đã sửa": confirm the latest resolution. Queued in the outbox; `InvalidState` when the window closed or already answered. */
    suspend fun confirmResolution(reportId: String): OutboxItem
    /** "Chưa sửa": dispute the latest resolution with what is still wrong ([text] required); reopens the case. Queued like [confirmResolution]. */
    suspend fun disputeResolution(reportId: String, text: String): OutboxItem
    suspend fun feed(query: FeedQuery): FeedPage
}

/** Server photos and videos through the core's media cache (kept for offline viewing). */
interface MediaRepository {
    /** The local copy of [remote] (downloaded when online), or why it cannot be had. */
    suspend fun mediaFile(remote: vn.phananh.ui.state.RemoteMedia): vn.phananh.ui.state.MediaResolution

    /**
     * Fetches (when online) and keeps every photo of my reports and of the answers to them, and
     * every video's poster: what the screens show offline (a video is fetched when played).
     * How many files are kept.
     */
    suspend fun keepMyReportMedia(): Int
}

/**
 * Push: the platform's token (FCM) registered with the server for the signed-in account, and a
 * received push turned into the change a sync would make. The token is kept by the core, so one
 * handed over while signed out or offline is registered at the next sign-in or
 * [registerPendingPushToken].
 */
interface PushRepository {
    /** Keeps [token] and registers it for the signed-in account; true when the server has it now. */
    suspend fun setPushToken(platform: PushPlatform, token: String): Boolean
    /** Registers the kept token if the server does not have it for this account yet (network back); cheap otherwise. */
    suspend fun registerPendingPushToken(): Boolean
    /**
     * A push's data (FCM `RemoteMessage.data`): the report it names is fetched and merged as a
     * sync would (subscribers of my reports hear of it). A report that is not this account's:
     * `PhanAnhException.NotFound`; unreadable data: a `PhanAnhException`; nothing changes then.
     */
    suspend fun handlePush(data: Map<String, String>): PushEffect
}

/**
 * Every feature of the core, as the app holds it: the feature interfaces are what the screens'
 * presenters take (each only the ones it needs). They share one native client, so the
 * Rust-backed implementation is one class, [RustCoreRepository] (a class per feature would
 * only forward to that client), and so is the fake, [FakeCoreRepository] (its features share
 * one state: a submitted draft appears in its outbox). Failures are
 * `vn.phananh.core.PhanAnhException`.
 */
interface CoreRepository : SessionRepository, AccountRepository, DraftRepository, OutboxRepository, ReportsRepository,
    MeTooRepository, NoticesRepository, MediaRepository, PushRepository, MapRepository
