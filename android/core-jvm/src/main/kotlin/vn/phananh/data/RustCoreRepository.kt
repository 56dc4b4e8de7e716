package vn.phananh.data

import java.time.Instant
import kotlinx.coroutines.flow.Flow
import vn.phananh.core.Attachment
import vn.phananh.core.ClientConfig
import vn.phananh.core.Draft
import vn.phananh.core.DraftEdit
import vn.phananh.core.FeedQuery
import vn.phananh.core.FieldProblem
import vn.phananh.core.LocationFix
import vn.phananh.core.OutboxItem
import vn.phananh.core.OutboxListener
import vn.phananh.core.OutboxSnapshot
import vn.phananh.core.PhanAnhClient
import vn.phananh.core.ReportsListener
import vn.phananh.core.ReportsSnapshot
import vn.phananh.core.TenantConfig

/**
 * [CoreRepository] over the Rust core. Every call is one call of [PhanAnhClient]; no logic here.
 * Cancelling the calling coroutine never tears a write: the core finishes it (see
 * bindings/src/runtime.rs).
 */
class RustCoreRepository(val client: PhanAnhClient) : CoreRepository, AutoCloseable {

    override fun config(): TenantConfig = client.config()
    override suspend fun createDraft(): Draft = client.createDraft()
    override suspend fun draft(id: String): Draft = client.draft(id)
    override suspend fun drafts(): List<Draft> = client.drafts()
    override suspend fun updateDraft(id: String, edits: List<DraftEdit>): Draft = client.updateDraft(id, edits)
    override suspend fun deleteDraft(id: String) = client.deleteDraft(id)
    override suspend fun addAttachment(draftId: String, path: String): Attachment = client.addAttachment(draftId, path)
    override suspend fun removeAttachment(attachmentId: String) = client.removeAttachment(attachmentId)
    override suspend fun validateDraft(id: String): List<FieldProblem> = client.validateDraft(id)
    override suspend fun submitDraft(id: String): OutboxItem = client.submitDraft(id)
    override suspend fun outbox(): List<OutboxItem> = client.outbox()
    override suspend fun setDraftLocation(draftId: String, deviceFixes: List<LocationFix>) = client.setDraftLocation(draftId, deviceFixes)

    override fun outboxUpdates(): Flow<OutboxSnapshot> = subscriptionFlow { emit ->
        client.subscribeOutbox(object : OutboxListener {
            override fun onOutbox(snapshot: OutboxSnapshot) = emit(snapshot)
        })
    }
    override suspend fun retryOutboxItem(clientId: String) = client.retryOutboxItem(clientId)
    override suspend fun cancelOutboxItem(clientId: String) = client.cancelOutboxItem(clientId)
    override suspend fun runPending(deadline: Instant) = client.runPending(deadline)
    override fun setConnectivity(online: Boolean, metered: Boolean) = client.setConnectivity(online, metered)

    override suspend fun requestOtp(phone: String) = client.requestOtp(phone)
    override suspend fun signIn(phone: String, code: String) = client.signIn(phone, code)
    override suspend fun signOut() = client.signOut()
    override fun isSignedIn() = client.isSignedIn()

    override fun myReportsUpdates(): Flow<ReportsSnapshot> = subscriptionFlow { emit ->
        client.subscribeReports(object : ReportsListener {
            override fun onReports(snapshot: ReportsSnapshot) = emit(snapshot)
        })
    }
    override suspend fun myReports() = client.myReports()
    override suspend fun syncMyReports() = client.syncMyReports()
    override suspend fun cachedReport(id: String) = client.cachedReport(id)
    override suspend fun refreshReport(id: String) = client.refreshReport(id)
    override suspend fun rateReport(reportId: String, level: Int, comment: String?, reopen: Boolean) =
        client.rateReport(reportId, level.toUByte(), comment, reopen)
    override suspend fun feed(query: FeedQuery) = client.feed(query)

    /** Releases the native client (the database closes when the last reference goes). */
    override fun close() = client.close()

    companion object {
        /** Opens the core's storage in [storageDir]; [baseUrl] overrides the tenant's API URL. */
        fun open(storageDir: String, baseUrl: String? = null, boundariesDir: String? = null): RustCoreRepository =
            RustCoreRepository(PhanAnhClient(ClientConfig(storageDir, baseUrl, boundariesDir = boundariesDir)))
    }
}
