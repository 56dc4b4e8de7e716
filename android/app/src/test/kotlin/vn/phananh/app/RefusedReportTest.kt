package vn.phananh.app

import android.content.Intent
import androidx.compose.ui.test.hasSetTextAction
import androidx.compose.ui.test.performScrollTo
import androidx.compose.ui.test.performTextInput
import java.util.UUID
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertTrue
import org.junit.Test
import vn.phananh.app.AppHarness.clickText
import vn.phananh.app.AppHarness.has
import vn.phananh.app.AppHarness.text
import vn.phananh.app.AppHarness.waitForText
import vn.phananh.ui.state.AppLanguage
import vn.phananh.ui.R as UiR

/**
 * Journey: the server refuses a report for good (422, a field it does not accept). The outbox
 * tells the resident the true reason in their language (the core's typed failure code →
 * `failure_rejected`), not a generic "not possible now", and offers retry and cancel.
 */
class RefusedReportTest : AppTest() {
    private val vi = AppLanguage.VI
    private fun t(id: Int, vararg args: Any) = text(vi, id, *args)

    @Test
    fun refusedReportShowsTheServersReason() {
        RefusingFront(AppHarness.stub.baseUrl).use { front ->
            AppHarness.configureApp(vi, baseUrl = front.baseUrl)
            AppHarness.signInDirectly(AppHarness.newPhone())
            val scenario = launchApp()
            AppHarness.setNetwork(online = true)
            val marker = "REFUSED-" + UUID.randomUUID().toString().take(8)

            compose.clickText(t(UiR.string.home_new_report))
            compose.clickText(t(UiR.string.action_pick_gallery))
            AppHarness.answerLastRequest(scenario, data = Intent().setData(AppHarness.photoUri("synthetic_gps/hatinh_thanh_sen_18073_orient6.jpg")))
            compose.waitForText("Thành Sen", substring = true, timeoutMs = 30_000)
            val category = AppHarness.app.graph.repository.config().categories.first { it.code == "giao_thong" }
            compose.clickText(category.nameVi)
            compose.onNode(hasSetTextAction()).performScrollTo()
            compose.onNode(hasSetTextAction()).performTextInput("Biển báo giao thông bị đổ ở ngã ba. $marker")
            compose.waitForIdle()
            compose.clickText(t(UiR.string.new_report_send))

            compose.clickText(t(UiR.string.home_outbox_pending, 1))
            compose.waitForText(t(UiR.string.failure_rejected), timeoutMs = 60_000)
            assertTrue(compose.has(t(UiR.string.step_stopped)))
            assertTrue(compose.has(t(UiR.string.outbox_failed_hint)))
            assertTrue("retry is offered", compose.has(t(UiR.string.action_retry)))
            // Not the generic sentence the outbox showed before, nor another code's reason.
            assertFalse(compose.has(t(UiR.string.error_invalid_state)))
            assertFalse(compose.has(t(UiR.string.failure_other)))
            assertTrue("the server was asked", front.refused.get() >= 1)
            assertEquals("nothing reached the stub", 0, AppHarness.casesWith(marker).size)
        }
    }
}
