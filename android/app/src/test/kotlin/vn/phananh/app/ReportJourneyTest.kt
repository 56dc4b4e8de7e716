package vn.phananh.app

import android.content.Intent
import androidx.compose.ui.test.hasSetTextAction
import androidx.compose.ui.test.hasText
import androidx.compose.ui.test.performScrollTo
import androidx.compose.ui.test.performTextInput
import java.util.UUID
import org.json.JSONObject
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Test
import vn.phananh.app.AppHarness.clickText
import vn.phananh.app.AppHarness.has
import vn.phananh.app.AppHarness.eventually
import vn.phananh.app.AppHarness.text
import vn.phananh.app.AppHarness.waitForText
import vn.phananh.ui.state.AppLanguage
import vn.phananh.ui.R as UiR

/**
 * Journey (b): a new report with a real photo picked from a content URI whose EXIF position
 * names the ward → submitted offline → queued in the outbox → network back → delivered exactly
 * once (counted on the stub) → the officer resolves it on the stub → status and answer shown in
 * the app → a rating that reopens the case (seen on the stub).
 */
class ReportJourneyTest : AppTest() {
    private val vi = AppLanguage.VI
    private fun t(id: Int, vararg args: Any) = text(vi, id, *args)

    /** hatinh_thanh_sen_18073_orient6.jpg carries GPS inside Phường Thành Sen (ward 18073). */
    private val photo = "synthetic_gps/hatinh_thanh_sen_18073_orient6.jpg"

    @Test
    fun offlineReportIsDeliveredOnceResolvedAndReopenedByRating() {
        AppHarness.configureApp(vi)
        AppHarness.signInDirectly(AppHarness.newPhone())
        val scenario = launchApp()
        AppHarness.setNetwork(online = false)
        val marker = "JOURNEY-" + UUID.randomUUID().toString().take(8)

        // New report: a photo from the gallery (a content:// URI, like the system picker's).
        compose.clickText(t(UiR.string.home_new_report))
        compose.waitForText(t(UiR.string.action_pick_gallery))
        compose.clickText(t(UiR.string.action_pick_gallery))
        val uri = AppHarness.photoUri(photo)
        AppHarness.answerLastRequest(scenario, data = Intent().setData(uri))
        // The photo's EXIF position is the report's position and the core names the ward.
        compose.waitForText(t(UiR.string.attachment_has_gps), timeoutMs = 30_000)
        compose.waitForText("Thành Sen", substring = true, timeoutMs = 30_000)

        val category = AppHarness.app.graph.repository.config().categories.first { it.code == "giao_thong" }
        compose.clickText(category.nameVi)
        compose.onNode(hasSetTextAction()).performScrollTo()
        compose.onNode(hasSetTextAction()).performTextInput("Ổ gà lớn giữa đường Trần Phú, xe máy dễ ngã. $marker")
        compose.waitForIdle()

        // Submit while offline: the report waits in the outbox.
        compose.clickText(t(UiR.string.new_report_send))
        compose.waitForText(t(UiR.string.home_outbox_pending, 1), timeoutMs = 20_000)
        compose.clickText(t(UiR.string.home_outbox_pending, 1))
        compose.waitForText(t(UiR.string.outbox_offline))
        compose.waitForText(t(UiR.string.step_waiting_network))
        assertEquals("nothing reaches the server while offline", 0, AppHarness.casesWith(marker).size)

        // Network back: delivered, exactly once.
        AppHarness.setNetwork(online = true)
        val case = eventually(30_000, compose) { AppHarness.casesWith(marker).singleOrNull() }
        compose.waitForText(t(UiR.string.step_done), timeoutMs = 30_000)
        // More triggers (the network flapping back) must not send it again.
        AppHarness.setNetwork(online = false)
        AppHarness.setNetwork(online = true)
        Thread.sleep(500)
        compose.waitForIdle()
        assertEquals("one report on the server", 1, AppHarness.casesWith(marker).size)
        assertEquals(1, case.getJSONArray("media").length())
        val caseId = case.getString("id")

        // The officer works the case on the stub and answers.
        val answer = "Đã vá ổ gà ngày hôm nay. $marker"
        AppHarness.officerAct(caseId, JSONObject().put("action", "accept"))
        AppHarness.officerAct(caseId, JSONObject().put("action", "start"))
        AppHarness.officerAct(caseId, JSONObject().put("action", "resolve").put("message", answer))

        // The app shows the new status and the answer.
        compose.clickText(t(UiR.string.action_back))
        compose.waitForText(marker, substring = true)
        compose.clickText(marker, substring = true)
        compose.waitForText(answer, substring = true, timeoutMs = 30_000)
        compose.waitForText(t(UiR.string.status_resolved))

        // Rating that asks to reopen: queued, delivered, the case is reopened on the stub.
        compose.clickText(t(UiR.string.detail_rate))
        val unhappy = AppHarness.app.graph.repository.config().ratingScale.first { it.mayReopen }
        compose.clickText(unhappy.labelVi)
        compose.onNode(hasText(t(UiR.string.rating_reopen))).performScrollTo()
        compose.clickText(t(UiR.string.rating_reopen))
        compose.clickText(t(UiR.string.rating_send))
        compose.waitForText(t(UiR.string.rating_thanks))
        val reopened = eventually(30_000, compose) { AppHarness.report(caseId).takeIf { it.getString("status") == "reopened" } }
        assertTrue(reopened.toString(), reopened.getString("status") == "reopened")
        // Back on the detail: the status follows the server's (the reports stream of the core).
        compose.clickText(t(UiR.string.action_back))
        compose.waitForText(t(UiR.string.status_reopened), timeoutMs = 30_000)
        assertTrue(compose.has(t(UiR.string.rating_reopen_requested), substring = true))
    }
}
