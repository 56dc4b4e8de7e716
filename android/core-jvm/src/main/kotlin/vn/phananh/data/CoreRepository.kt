package vn.phananh.data

import vn.phananh.core.Attachment
import vn.phananh.core.Draft
import vn.phananh.core.DraftEdit
import vn.phananh.core.FieldProblem
import vn.phananh.core.OutboxItem
import vn.phananh.core.TenantConfig

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
}
