package vn.phananh.data

import java.time.Instant
import kotlinx.coroutines.flow.Flow
import vn.phananh.core.Attachment
import vn.phananh.core.Draft
import vn.phananh.core.DraftEdit
import vn.phananh.core.FeedPage
import vn.phananh.core.FeedQuery
import vn.phananh.core.FieldProblem
import vn.phananh.core.LocationAssessment
import vn.phananh.core.LocationFix
import vn.phananh.core.OtpRequested
import vn.phananh.core.OutboxItem
import vn.phananh.core.OutboxSnapshot
import vn.phananh.core.Report
import vn.phananh.core.ReportsSnapshot
import vn.phananh.core.RunSummary
import vn.phananh.core.TenantConfig
import vn.phananh.core.UserInfo

/**
 * What the view-models need from the core, in the core's own (generated) types. The real
 * implementation is [RustCoreRepository]; [FakeCoreRepository] serves previews and UI tests
 * without the native library. Failures are `vn.phananh.core.PhanAnhException`.
 */
interface CoreRepository {
    /** The province's configuration in use (in memory, cheap). */
    fun config(): TenantConfig

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
    suspend fun validateDraft(id: String): List<FieldProblem>
    /** Moves a valid draft into the outbox; throws `PhanAnhException.Validation` otherwise. */
    suspend fun submitDraft(id: String): OutboxItem
    /** The send queue, oldest first. */
    suspend fun outbox(): List<OutboxItem>

    /** Chooses and saves the draft's position (with its ward) among the device's fixes and the photos' own. */
    suspend fun setDraftLocation(draftId: String, deviceFixes: List<LocationFix>): LocationAssessment

    /** The outbox with upload progress: the current snapshot, then every change. */
    fun outboxUpdates(): Flow<OutboxSnapshot>
    suspend fun retryOutboxItem(clientId: String): OutboxItem
    /** Take an item back while the server cannot have it yet; a report returns to the drafts. */
    suspend fun cancelOutboxItem(clientId: String): OutboxItem
    /** Bounded background work (WorkManager): deliver, then pull status changes, until [deadline]. */
    suspend fun runPending(deadline: Instant): RunSummary
    fun setConnectivity(online: Boolean, metered: Boolean)

    suspend fun requestOtp(phone: String): OtpRequested
    suspend fun signIn(phone: String, code: String): UserInfo
    suspend fun signOut()
    fun isSignedIn(): Boolean

    /** My reports from the local cache: the current list, then every real change. */
    fun myReportsUpdates(): Flow<ReportsSnapshot>
    /** My reports from the local cache (works offline), newest change first. */
    suspend fun myReports(): List<Report>
    suspend fun syncMyReports(): List<String>
    suspend fun cachedReport(id: String): Report?
    suspend fun refreshReport(id: String): Report
    /** Queued in the outbox (works offline); [level] is a value of the tenant's scale. */
    suspend fun rateReport(reportId: String, level: Int, comment: String?, reopen: Boolean): OutboxItem
    suspend fun feed(query: FeedQuery): FeedPage
}
