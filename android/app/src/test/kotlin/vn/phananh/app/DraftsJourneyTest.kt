package vn.phananh.app

import android.content.Intent
import androidx.compose.ui.test.hasSetTextAction
import androidx.compose.ui.test.performScrollTo
import androidx.compose.ui.test.performTextInput
import java.util.UUID
import kotlinx.coroutines.runBlocking
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertTrue
import org.junit.Test
import vn.phananh.app.AppHarness.clickText
import vn.phananh.app.AppHarness.eventually
import vn.phananh.app.AppHarness.has
import vn.phananh.app.AppHarness.text
import vn.phananh.app.AppHarness.waitForText
import vn.phananh.presenter.DraftsPresenter
import vn.phananh.ui.state.AppLanguage
import vn.phananh.ui.R as UiR

/**
 * Journey: two reports started and left unsent → "new report" starts a new, empty draft each
 * time (a draft left empty is not kept) → the drafts list shows both (photo, category, "not
 * sent") → delete one: gone from the list, still on the phone, undo brings it back → delete
 * again and let the window pass: deleted in the core → open the other one and go on editing it.
 */
class DraftsJourneyTest : AppTest() {
    private val vi = AppLanguage.VI
    private fun t(id: Int, vararg args: Any) = text(vi, id, *args)
    private val repo get() = AppHarness.app.graph.repository
    private fun drafts() = runBlocking { repo.drafts() }

    private fun typeDescription(text: String) {
        compose.onNode(hasSetTextAction()).performScrollTo()
        compose.onNode(hasSetTextAction()).performTextInput(text)
        compose.waitForIdle()
    }

    @Test
    fun manyDraftsListedOpenedDeletedWithUndo() {
        AppHarness.configureApp(vi)
        AppHarness.signInDirectly(AppHarness.newPhone())
        val scenario = launchApp()
        AppHarness.setNetwork(online = true)
        val marker = "DRAFT-" + UUID.randomUUID().toString().take(8)

        // First report: a photo, a category, some words; then closed without sending.
        compose.clickText(t(UiR.string.home_new_report))
        compose.clickText(t(UiR.string.action_pick_gallery))
        AppHarness.answerLastRequest(scenario, data = Intent().setData(AppHarness.photoUri("synthetic_gps/hatinh_thanh_sen_18073_orient6.jpg")))
        compose.waitForText(t(UiR.string.attachment_has_gps), timeoutMs = 30_000)
        val traffic = repo.config().categories.first { it.code == "giao_thong" }
        compose.clickText(traffic.nameVi)
        typeDescription("Ổ gà lớn trước chợ. A-$marker")
        compose.clickText(t(UiR.string.action_close))
        compose.waitForText(t(UiR.string.home_tab_mine))
        eventually(20_000, compose) { drafts().singleOrNull { it.description.contains("A-$marker") } }

        // "New report" again: a new, empty draft (not the first one reopened).
        compose.clickText(t(UiR.string.home_new_report))
        compose.waitForText(t(UiR.string.new_report_title))
        eventually(20_000, compose) { drafts().takeIf { it.size == 2 } }
        compose.waitForIdle()
        assertFalse("no photo carried over", compose.has(t(UiR.string.attachment_has_gps)))
        assertFalse(compose.has("A-$marker", substring = true))
        typeDescription("Cây đổ chắn lối đi. B-$marker")
        compose.clickText(t(UiR.string.action_close))
        eventually(20_000, compose) { drafts().singleOrNull { it.description.contains("B-$marker") } }
        assertEquals(2, drafts().size)

        // Opened and left without entering anything: not kept.
        compose.clickText(t(UiR.string.home_new_report))
        compose.waitForText(t(UiR.string.new_report_title))
        eventually(20_000, compose) { drafts().takeIf { it.size == 3 } }
        compose.clickText(t(UiR.string.action_close))
        eventually(20_000, compose) { drafts().takeIf { it.size == 2 } }

        // The drafts list: both, each "not sent", the first with its category and photo.
        compose.clickText(t(UiR.string.home_drafts))
        compose.waitForText("A-$marker", substring = true)
        compose.waitForText("B-$marker", substring = true)
        compose.waitForText(traffic.nameVi)
        compose.waitForText(t(UiR.string.drafts_no_category))
        assertEquals(2, compose.onAllNodes(AppHarness.labelled(t(UiR.string.drafts_not_sent))).fetchSemanticsNodes().size)
        System.getProperty("phananh.screens")?.let { AppTour(compose, scenario, vi).screenshot(java.io.File(it, "drafts_vi.png")) }

        // Delete the first: gone from the list at once, still on the phone during the window.
        val idA = drafts().single { it.description.contains("A-$marker") }.id
        compose.clickText(t(UiR.string.drafts_delete) + ": " + traffic.nameVi)
        compose.waitForText(t(UiR.string.drafts_deleted))
        assertFalse(compose.has("A-$marker", substring = true))
        assertTrue("kept until the undo window passes", drafts().any { it.id == idA })
        compose.clickText(t(UiR.string.action_undo))
        compose.waitForText("A-$marker", substring = true)
        assertFalse(compose.has(t(UiR.string.drafts_deleted)))
        assertEquals("Ổ gà lớn trước chợ. A-$marker", drafts().single { it.id == idA }.description)
        assertEquals(1, drafts().single { it.id == idA }.attachments.size)

        // Delete again and let the window pass: deleted in the core.
        val deletedAt = System.nanoTime()
        compose.clickText(t(UiR.string.drafts_delete) + ": " + traffic.nameVi)
        eventually(DraftsPresenter.UNDO_WINDOW_MS + 20_000, compose) { drafts().takeIf { d -> d.none { it.id == idA } } }
        assertTrue("not before the window", System.nanoTime() - deletedAt >= DraftsPresenter.UNDO_WINDOW_MS * 1_000_000)
        compose.waitUntil(10_000) { !compose.has(t(UiR.string.drafts_deleted)) }

        // Open the other draft: its text is there, and edits go to it (no new draft).
        compose.clickText("B-$marker", substring = true)
        compose.waitForText("Cây đổ chắn lối đi. B-$marker", substring = true)
        typeDescription(" Đã 2 ngày.")
        compose.clickText(t(UiR.string.action_close))
        compose.waitForText(t(UiR.string.drafts_title))
        val left = eventually(20_000, compose) { drafts().singleOrNull()?.takeIf { it.description.contains("Đã 2 ngày.") } }
        assertTrue(left.description.contains("Cây đổ chắn lối đi. B-$marker"))
        compose.waitForText("Đã 2 ngày.", substring = true)
    }
}
