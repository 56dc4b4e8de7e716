package vn.phananh.data

import java.time.Instant
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Deferred
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.runBlocking
import vn.phananh.core.Attachment
import vn.phananh.core.ClientConfig
import vn.phananh.core.Draft
import vn.phananh.core.DraftEdit
import vn.phananh.core.FeedQuery
import vn.phananh.core.FieldError
import vn.phananh.core.MediaRef
import vn.phananh.core.PhanAnhException
import vn.phananh.core.RemoteMediaKind
import vn.phananh.ui.state.MediaResolution
import vn.phananh.ui.state.MediaUnavailable
import vn.phananh.ui.state.RemoteMedia
import vn.phananh.core.LocationFix
import vn.phananh.core.OutboxItem
import vn.phananh.core.OutboxListener
import vn.phananh.core.OutboxSnapshot
import vn.phananh.core.PhanAnhClient
import vn.phananh.core.PushPlatform
import vn.phananh.core.ReportsListener
import vn.phananh.core.ReportsSnapshot
import vn.phananh.core.TenantConfig

/**
 * [CoreRepository] over the Rust core. Every call is one call of [PhanAnhClient]; no logic here.
 * Cancelling the calling coroutine never tears a write: the core finishes it (see
 * bindings/README.md). The client opens its storage asynchronously ([PhanAnhClient.open], off
 * the main thread); suspend calls wait for it, and the few memory-only calls (`config()`,
 * `setConnectivity`) wait only while it is still opening, right after app start.
 */
class RustCoreRepository private constructor(private val opening: Deferred<PhanAnhClient>) : CoreRepository, AutoCloseable {

    /** Wraps a client that is already open. */
    constructor(client: PhanAnhClient) : this(CompletableDeferred(client))

    /** The client once open (tests and platform code that need a call the repository does not wrap). */
    suspend fun client(): PhanAnhClient = opening.await()
    private fun openedClient(): PhanAnhClient = runBlocking { opening.await() }

    override fun config(): TenantConfig = openedClient().config()
    override suspend fun refreshTenantIfDue() = client().refreshTenantIfDue()
    override suspend fun createDraft(): Draft = client().createDraft()
    override suspend fun draft(id: String): Draft = client().draft(id)
    override suspend fun drafts(): List<Draft> = client().drafts()
    override suspend fun updateDraft(id: String, edits: List<DraftEdit>): Draft = client().updateDraft(id, edits)
    override suspend fun deleteDraft(id: String) = client().deleteDraft(id)
    override suspend fun addAttachment(draftId: String, path: String): Attachment = client().addAttachment(draftId, path)
    override suspend fun removeAttachment(attachmentId: String) = client().removeAttachment(attachmentId)
    override suspend fun validateDraft(id: String): List<FieldError> = client().validateDraft(id)
    override suspend fun submitDraft(id: String): OutboxItem = client().submitDraft(id)
    override suspend fun outbox(): List<OutboxItem> = client().outbox()
    override suspend fun setDraftLocation(draftId: String, deviceFixes: List<LocationFix>) = client().setDraftLocation(draftId, deviceFixes)

    override fun outboxUpdates(): Flow<OutboxSnapshot> = subscriptionFlow { emit ->
        openedClient().subscribeOutbox(object : OutboxListener {
            override fun onOutbox(snapshot: OutboxSnapshot) = emit(snapshot)
        })
    }
    override suspend fun retryOutboxItem(clientId: String) = client().retryOutboxItem(clientId)
    override suspend fun cancelOutboxItem(clientId: String) = client().cancelOutboxItem(clientId)
    override suspend fun runPending(deadline: Instant) = client().runPending(deadline)
    override fun setConnectivity(online: Boolean, metered: Boolean) = openedClient().setConnectivity(online, metered)
    override suspend fun setVideoWifiOnly(enabled: Boolean) = client().setVideoWifiOnly(enabled)

    override suspend fun requestOtp(phone: String) = client().requestOtp(phone)
    override suspend fun signIn(phone: String, code: String) = client().signIn(phone, code)
    override suspend fun signOut() = client().signOut()
    override suspend fun isSignedIn() = client().isSignedIn()
    override suspend fun unsentCount(): Int = client().unsentCount().toInt()
    override suspend fun exportMyData(dir: String) = client().exportMyData(dir)
    override suspend fun deleteAccount() = client().deleteAccount()

    override fun myReportsUpdates(): Flow<ReportsSnapshot> = subscriptionFlow { emit ->
        openedClient().subscribeReports(object : ReportsListener {
            override fun onReports(snapshot: ReportsSnapshot) = emit(snapshot)
        })
    }
    override suspend fun myReports() = client().myReports()
    override suspend fun syncMyReports() = client().syncMyReports()
    override suspend fun cachedReport(id: String) = client().cachedReport(id)
    override suspend fun refreshReport(id: String) = client().refreshReport(id)
    override suspend fun rateReport(reportId: String, level: Int, comment: String?, reopen: Boolean) =
        client().rateReport(reportId, level.toUByte(), comment, reopen)
    override suspend fun confirmResolution(reportId: String) = client().confirmResolution(reportId)
    override suspend fun disputeResolution(reportId: String, text: String) = client().disputeResolution(reportId, text)
    override suspend fun nearbyForDraft(draftId: String) = client().nearbyForDraft(draftId)
    override suspend fun joinReport(reportId: String) = client().joinReport(reportId)
    override suspend fun noticesAt(lat: Double?, lon: Double?) = client().noticesAt(lat, lon)
    override suspend fun feed(query: FeedQuery) = client().feed(query)
    override suspend fun mapReports(view: vn.phananh.core.BoundingBox, category: String?) = client().mapReports(view, category)
    override suspend fun wardOutlines(view: vn.phananh.core.BoundingBox, maxPoints: Int) = client().wardOutlines(view, maxPoints.coerceAtLeast(0).toUInt())

    override suspend fun setPushToken(platform: PushPlatform, token: String) = client().setPushToken(platform, token)
    override suspend fun registerPendingPushToken() = client().registerPendingPushToken()
    override suspend fun handlePush(data: Map<String, String>) = client().handlePush(data)

    override suspend fun keepMyReportMedia(): Int = client().keepMyReportMedia().toInt()

    override suspend fun mediaFile(remote: RemoteMedia): MediaResolution {
        val ref = MediaRef(remote.id, remote.url, if (remote.video) RemoteMediaKind.VIDEO else RemoteMediaKind.PHOTO, remote.mime, remote.sizeBytes.toULong(), remote.sha256)
        return runCatchingExceptions { client().mediaFile(ref, remote.keep) }.fold(
            onSuccess = { MediaResolution.File(it.path) },
            onFailure = { e ->
                MediaResolution.Unavailable(
                    when (e) {
                        is PhanAnhException.Offline -> MediaUnavailable.OFFLINE
                        // A file that does not match its hash or is not an image (core: Protocol).
                        is PhanAnhException.Server -> if (e.status.toInt() == 0) MediaUnavailable.DAMAGED else MediaUnavailable.FAILED
                        else -> MediaUnavailable.FAILED
                    },
                )
            },
        )
    }

    /** Releases the native client (the database closes when the last reference goes). */
    override fun close() {
        if (opening.isCompleted) openedClient().close() else opening.cancel()
    }

    companion object {
        /** Starts opening the core with [config] on [scope] (IO) and returns at once. */
        fun open(config: ClientConfig, scope: CoroutineScope = CoroutineScope(Dispatchers.IO)): RustCoreRepository =
            RustCoreRepository(scope.async { PhanAnhClient.open(config) })

        /**
         * Starts preparing the configuration (work that may touch the disk, such as copying the
         * boundary files out of the app's assets) and then opening the core, both on [scope]
         * (IO), and returns at once. Every call waits for both, so none can see the core before
         * what [config] prepared is in place.
         */
        fun open(scope: CoroutineScope = CoroutineScope(Dispatchers.IO), config: suspend () -> ClientConfig): RustCoreRepository =
            RustCoreRepository(scope.async { PhanAnhClient.open(config()) })

        /** Opens the core's storage in [storageDir]; [baseUrl] overrides the tenant's API URL. */
        fun open(storageDir: String, baseUrl: String? = null, boundariesDir: String? = null): RustCoreRepository =
            open(ClientConfig(storageDir, baseUrl, boundariesDir = boundariesDir))
    }
}
