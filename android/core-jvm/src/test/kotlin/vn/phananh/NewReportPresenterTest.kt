package vn.phananh

import kotlin.test.assertEquals
import kotlin.test.assertNotNull
import kotlin.test.assertNull
import kotlin.test.assertTrue
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Test
import vn.phananh.core.LocalState
import vn.phananh.core.OutboxKind
import vn.phananh.data.CoreRepository
import vn.phananh.data.FakeCoreRepository
import vn.phananh.data.RustCoreRepository
import vn.phananh.ui.state.DeliveryState
import vn.phananh.ui.state.Fields
import vn.phananh.ui.state.LocationSourceKind
import vn.phananh.ui.state.LocationStatus
import vn.phananh.ui.state.LocationWarning
import vn.phananh.ui.state.MediaKind
import vn.phananh.ui.state.OutboxKind as UiOutboxKind
import vn.phananh.ui.state.UiError
import vn.phananh.ui.state.ValidationProblem
import vn.phananh.ui.state.forField
import vn.phananh.presenter.NewReportPresenter
import vn.phananh.presenter.OutboxPresenter
import vn.phananh.ui.state.NewReportEvent

/** The new-report and outbox presenters over the real core, and over the fake. */
class NewReportPresenterTest {
    private val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)

    @AfterEach
    fun stop() = scope.cancel()

    private suspend fun fillAndSubmit(repo: CoreRepository, photoPath: String?): Pair<NewReportPresenter, String> {
        val synced = java.util.concurrent.atomic.AtomicInteger()
        val vm = NewReportPresenter(repo, scope, syncNow = { synced.incrementAndGet() })
        val draftId = assertNotNull(vm.state.awaitState { it.draftId != null }.draftId)
        assertTrue(vm.state.value.categories.any { it.code == "giao_thong" })

        // Submit too early: the core's answers appear next to each field.
        vm.onEvent(NewReportEvent.Submit)
        val refused = vm.state.awaitState { !it.submitting && it.fieldErrors.isNotEmpty() }
        assertEquals(ValidationProblem.Required, refused.fieldErrors.forField(Fields.CATEGORY).single().problem)
        assertEquals(ValidationProblem.Required, refused.fieldErrors.forField(Fields.LOCATION).single().problem)
        assertNull(vm.submitted.value)
        assertEquals(0, synced.get(), "nothing to deliver yet")

        if (photoPath != null) {
            vm.addAttachment(photoPath)
            val withPhoto = vm.state.awaitState { it.attachments.isNotEmpty() }
            assertEquals(MediaKind.PHOTO, withPhoto.attachments.single().kind)
        }
        vm.onEvent(NewReportEvent.SelectCategory("giao_thong"))
        // Typing: many autosaves, coalesced and applied in order.
        val text = "Đèn chiếu sáng hỏng cả đoạn đường Hà Huy Tập"
        for (i in 1..text.length) vm.onEvent(NewReportEvent.ChangeDescription(text.take(i)))
        vm.setLocation(haTinhFix())
        vm.flushEdits()
        val saved = repo.draft(draftId)
        assertEquals(text, saved.description, "the last keystroke wins")
        assertEquals("giao_thong", saved.category)
        // Fixed fields lost their error messages once saved.
        assertTrue(vm.state.value.fieldErrors.forField(Fields.CATEGORY).isEmpty())

        vm.onEvent(NewReportEvent.Submit)
        val clientId = vm.submitted.awaitState { it != null }!!
        assertTrue(vm.state.awaitState { it.submitted }.submitted)
        assertEquals(1, synced.get(), "the core is given time to deliver once it is in the outbox")
        return vm to clientId
    }

    @Test
    fun `new report over the real core - photo, autosave, validation, submit, outbox`() = runBlocking {
        RustCoreRepository.open(TestEnv.tempDir("vm-").path).use { repo ->
            val photo = TestEnv.photo("hmd_nokia_8.3_5g.jpg")
            val (_, clientId) = fillAndSubmit(repo, photo.path)
            val item = repo.outbox().single()
            assertEquals(clientId, item.clientId)
            assertEquals(LocalState.Queued, item.state)

            val outbox = OutboxPresenter(repo, repo, scope)
            val shown = outbox.state.awaitState { it.items.isNotEmpty() }.items.single()
            assertEquals(UiOutboxKind.REPORT, shown.kind)
            assertEquals("Giao thông", shown.title.vi)
            assertEquals(DeliveryState.Queued, shown.delivery)
            // The thumbnail is the app's own copy of the photo, not the gallery original.
            val thumb = java.io.File(shown.thumbnail!!.path)
            assertTrue(thumb.canonicalPath != photo.canonicalPath)
            assertEquals(photo.sha256Hex(), thumb.sha256Hex())
        }
    }

    @Test
    fun `location - the core names the photo's ward, flags a pin outside the province, offers the photo back`() = runBlocking {
        RustCoreRepository.open(TestEnv.tempDir("vm-loc-").path, boundariesDir = TestEnv.boundaries.path).use { repo ->
            val vm = NewReportPresenter(repo, scope)
            vm.addAttachment(TestEnv.photo("synthetic_gps/hatinh_thanh_sen_18073_orient6.jpg").path)
            val fromPhoto = vm.state.awaitState { it.location.chosen != null }.location
            assertEquals(LocationStatus.FIXED, fromPhoto.status)
            assertEquals(LocationSourceKind.PHOTO_EXIF, fromPhoto.chosen!!.source)
            assertEquals("Thành Sen", fromPhoto.chosen!!.ward!!.name)
            assertTrue(fromPhoto.warnings.none { it is LocationWarning.OutsideProvince })

            vm.pin(18.6796, 105.6813) // Vinh, Nghệ An
            vm.flushEdits()
            val pinned = vm.state.value.location
            assertEquals(LocationSourceKind.MANUAL, pinned.chosen!!.source)
            assertTrue(LocationWarning.OutsideProvince in pinned.warnings, "${pinned.warnings}")
            assertNull(pinned.chosen!!.ward)
            val photoAlt = pinned.alternatives.single { it.source == LocationSourceKind.PHOTO_EXIF }

            vm.onEvent(NewReportEvent.ChooseLocation(photoAlt.id))
            vm.flushEdits()
            assertEquals("18073", vm.state.value.location.chosen!!.ward!!.code)
            assertEquals("18073", repo.draft(vm.state.value.draftId!!).ward?.code, "saved with the draft")
        }
    }

    @Test
    fun `new report over the fake repository needs no native library`() = runBlocking {
        val repo = FakeCoreRepository()
        val (vm, clientId) = fillAndSubmit(repo, null)
        assertEquals(OutboxKind.Report(vm.state.value.draftId!!), repo.outbox().single { it.clientId == clientId }.kind)
    }

    /** The fake's drafts, with saves held at a gate (a busy phone: the core is slow to answer). */
    private class GatedSaves(private val inner: FakeCoreRepository) : vn.phananh.data.DraftRepository by inner {
        val gate = kotlinx.coroutines.CompletableDeferred<Unit>()
        override suspend fun updateDraft(id: String, edits: List<vn.phananh.core.DraftEdit>): vn.phananh.core.Draft {
            gate.await()
            return inner.updateDraft(id, edits)
        }
    }

    @Test
    fun `what was typed just before the screen closed is saved after its scope is gone`() = runBlocking {
        val repo = FakeCoreRepository()
        val slow = GatedSaves(repo)
        val app = CoroutineScope(SupervisorJob() + Dispatchers.Default)
        val screen = CoroutineScope(SupervisorJob() + Dispatchers.Default)
        try {
            val vm = NewReportPresenter(slow, screen, saveScope = app)
            // Typed at once, before the core has even opened the draft.
            vm.onEvent(NewReportEvent.SelectCategory("giao_thong"))
            vm.onEvent(NewReportEvent.ChangeDescription("Ổ gà"))
            val id = assertNotNull(vm.state.awaitState { it.draftId != null }.draftId)
            vm.onEvent(NewReportEvent.ChangeDescription("Ổ gà lớn trước chợ"))
            // The user closes the screen while the saves wait on the core.
            screen.cancel()
            assertEquals("", repo.draft(id).description, "nothing saved yet: the gate is shut")
            slow.gate.complete(Unit)
            val deadline = System.nanoTime() + 10_000_000_000
            while (repo.draft(id).description != "Ổ gà lớn trước chợ" && System.nanoTime() < deadline) kotlinx.coroutines.delay(20)
            assertEquals("Ổ gà lớn trước chợ", repo.draft(id).description)
            assertEquals("giao_thong", repo.draft(id).category)
            vm.flushEdits() // after the screen is gone: returns once the queue is saved, never hangs
        } finally {
            app.cancel()
        }
    }

    @Test
    fun `errors of the core reach the screen as UiError`() = runBlocking {
        RustCoreRepository.open(TestEnv.tempDir("vm-err-").path).use { repo ->
            val vm = NewReportPresenter(repo, scope)
            vm.addAttachment(java.io.File(TestEnv.photos, "SOURCES.tsv").path)
            val s = vm.state.awaitState { it.error != null }
            assertTrue(s.error is UiError.Media, "${s.error}")
            assertEquals("media", s.error!!.code)
            assertTrue(s.attachments.isEmpty())

            val missing = NewReportPresenter(repo, scope, openDraft = "01900000-0000-7000-8000-000000000000")
            assertEquals("not_found", missing.state.awaitState { it.error != null }.error?.code)
        }
    }
}
