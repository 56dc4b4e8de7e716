package vn.phananh.data

import vn.phananh.core.Attachment
import vn.phananh.core.ClientConfig
import vn.phananh.core.Draft
import vn.phananh.core.DraftEdit
import vn.phananh.core.FieldProblem
import vn.phananh.core.OutboxItem
import vn.phananh.core.PhanAnhClient
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

    /** Releases the native client (the database closes when the last reference goes). */
    override fun close() = client.close()

    companion object {
        /** Opens the core's storage in [storageDir]; [baseUrl] overrides the tenant's API URL. */
        fun open(storageDir: String, baseUrl: String? = null, tenantJson: String? = null): RustCoreRepository =
            RustCoreRepository(PhanAnhClient(ClientConfig(storageDir, baseUrl, tenantJson)))
    }
}
