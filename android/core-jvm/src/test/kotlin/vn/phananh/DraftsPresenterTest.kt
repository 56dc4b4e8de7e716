package vn.phananh

import kotlin.test.assertEquals
import kotlin.test.assertNotEquals
import kotlin.test.assertNull
import kotlin.test.assertTrue
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Test
import vn.phananh.core.DraftEdit
import vn.phananh.data.RustCoreRepository
import vn.phananh.presenter.DraftsPresenter
import vn.phananh.presenter.NewReportPresenter
import vn.phananh.ui.state.DraftsEvent
import vn.phananh.ui.state.NewReportEvent

/** The drafts list and "new report" over the real core: many drafts, delete with undo. */
class DraftsPresenterTest {
    private val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)
    private val appScope = CoroutineScope(SupervisorJob() + Dispatchers.Default)

    @AfterEach
    fun stop() {
        scope.cancel()
        appScope.cancel()
    }

    @Test
    fun `new report starts a new draft each time - the list shows both with photo, category and edit time`() = runBlocking {
        RustCoreRepository.open(TestEnv.tempDir("drafts-").path).use { repo ->
            val first = NewReportPresenter(repo, scope)
            val firstId = first.state.awaitState { it.draftId != null }.draftId!!
            val photo = TestEnv.photo("hmd_nokia_8.3_5g.jpg")
            assertTrue(first.attach(photo.path))
            first.onEvent(NewReportEvent.SelectCategory("giao_thong"))
            first.onEvent(NewReportEvent.ChangeDescription("Ổ gà trên đường Nguyễn Du"))
            first.flushEdits()

            // "New report" again: a second draft, the first one untouched.
            val second = NewReportPresenter(repo, scope)
            val secondId = second.state.awaitState { it.draftId != null }.draftId!!
            assertNotEquals(firstId, secondId)
            assertEquals("", second.state.value.description)
            second.onEvent(NewReportEvent.ChangeDescription("Cây đổ chắn lối đi"))
            second.flushEdits()

            val list = DraftsPresenter(repo, scope, appScope).state.awaitState { !it.loading }
            assertEquals(listOf(secondId, firstId), list.drafts.map { it.id }, "most recently edited first")
            val withPhoto = list.drafts.single { it.id == firstId }
            assertEquals("Giao thông", withPhoto.category!!.vi)
            assertEquals(1, withPhoto.attachmentCount)
            // The thumbnail is the core's copy of the photo.
            assertEquals(photo.sha256Hex(), java.io.File(withPhoto.thumbnail!!.path).sha256Hex())
            assertEquals(repo.draft(firstId).updatedAt.toEpochMilli(), withPhoto.updatedAt)
            val noCategory = list.drafts.single { it.id == secondId }
            assertNull(noCategory.category)
            assertNull(noCategory.thumbnail)

            // Opening a draft from the list edits that draft.
            val reopened = NewReportPresenter(repo, scope, openDraft = firstId)
            val shown = reopened.state.awaitState { it.draftId == firstId && it.attachments.isNotEmpty() }
            assertEquals("Ổ gà trên đường Nguyễn Du", shown.description)
            assertEquals("giao_thong", shown.selectedCategory)
        }
    }

    @Test
    fun `a new draft left empty is discarded, one with content is kept`() = runBlocking {
        RustCoreRepository.open(TestEnv.tempDir("drafts-empty-").path).use { repo ->
            val empty = NewReportPresenter(repo, scope)
            val emptyId = empty.state.awaitState { it.draftId != null }.draftId!!
            val typed = NewReportPresenter(repo, scope)
            val typedId = typed.state.awaitState { it.draftId != null }.draftId!!
            typed.onEvent(NewReportEvent.ChangeDescription("Nước ngập"))
            typed.flushEdits()
            empty.leave(appScope)
            typed.leave(appScope)
            eventually { repo.drafts().none { it.id == emptyId } }
            assertEquals(listOf(typedId), repo.drafts().map { it.id })
        }
    }

    @Test
    fun `delete waits for the undo window, undo keeps the draft, the window passing deletes it in the core`() = runBlocking {
        RustCoreRepository.open(TestEnv.tempDir("drafts-undo-").path).use { repo ->
            val a = repo.createDraft().also { repo.updateDraft(it.id, listOf(DraftEdit.Description("Đèn đường hỏng"))) }
            val b = repo.createDraft().also { repo.updateDraft(it.id, listOf(DraftEdit.Description("Rác chưa thu gom"))) }
            // A window long enough that the undo below surely lands inside it.
            val drafts = DraftsPresenter(repo, scope, appScope, undoWindowMs = 60_000)
            drafts.state.awaitState { it.drafts.size == 2 }

            drafts.onEvent(DraftsEvent.Delete(a.id))
            val hidden = drafts.state.value
            assertEquals(listOf(b.id), hidden.drafts.map { it.id })
            assertEquals(a.id, hidden.pendingDelete?.id)
            assertTrue(repo.drafts().any { it.id == a.id }, "still on the phone during the undo window")
            drafts.onEvent(DraftsEvent.Undo)
            assertEquals(setOf(a.id, b.id), drafts.state.value.drafts.map { it.id }.toSet())
            assertNull(drafts.state.value.pendingDelete)
            assertEquals("Đèn đường hỏng", repo.draft(a.id).description, "restored untouched")

            // A short window this time: once it passes, the core deletes the draft.
            val quick = DraftsPresenter(repo, scope, appScope, undoWindowMs = 200)
            quick.state.awaitState { it.drafts.size == 2 }
            val started = System.nanoTime()
            quick.onEvent(DraftsEvent.Delete(a.id))
            quick.state.awaitState { it.pendingDelete == null }
            assertTrue(System.nanoTime() - started >= 200_000_000, "not before the window passed")
            assertEquals(listOf(b.id), repo.drafts().map { it.id })
            // An undo after the window changes nothing.
            quick.onEvent(DraftsEvent.Undo)
            assertEquals(listOf(b.id), quick.state.value.drafts.map { it.id })
        }
    }

    @Test
    fun `deleting a second draft carries out the first deletion at once`() = runBlocking {
        RustCoreRepository.open(TestEnv.tempDir("drafts-two-").path).use { repo ->
            val a = repo.createDraft()
            val b = repo.createDraft()
            val drafts = DraftsPresenter(repo, scope, appScope, undoWindowMs = 60_000)
            drafts.state.awaitState { it.drafts.size == 2 }
            drafts.onEvent(DraftsEvent.Delete(a.id))
            drafts.onEvent(DraftsEvent.Delete(b.id))
            eventually { repo.drafts().none { it.id == a.id } }
            assertTrue(repo.drafts().any { it.id == b.id }, "the second one is still in its window")
            drafts.onEvent(DraftsEvent.Undo)
            assertEquals(listOf(b.id), drafts.state.value.drafts.map { it.id })
        }
    }

    private suspend fun eventually(timeoutMs: Long = 10_000, probe: suspend () -> Boolean) {
        val deadline = System.nanoTime() + timeoutMs * 1_000_000
        while (!probe()) {
            check(System.nanoTime() < deadline) { "condition not met within $timeoutMs ms" }
            kotlinx.coroutines.delay(20)
        }
    }
}
