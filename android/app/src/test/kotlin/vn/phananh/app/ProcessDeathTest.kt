package vn.phananh.app

import android.content.Intent
import androidx.compose.ui.test.hasSetTextAction
import androidx.compose.ui.test.performScrollTo
import androidx.compose.ui.test.performTextInput
import java.util.UUID
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Test
import vn.phananh.app.AppHarness.clickText
import vn.phananh.app.AppHarness.eventually
import vn.phananh.app.AppHarness.text
import vn.phananh.app.AppHarness.waitForText
import vn.phananh.ui.state.AppLanguage
import vn.phananh.ui.R as UiR

/**
 * Journey (c): the activity is destroyed and recreated while the photo is uploading, and the
 * connections of the upload are dropped at that moment; the delivery resumes and the server
 * ends up with exactly one report.
 */
class ProcessDeathTest : AppTest() {
    private val vi = AppLanguage.VI
    private fun t(id: Int, vararg args: Any) = text(vi, id, *args)

    @Test
    fun recreatedWhileUploadingResumesAndDeliversOnce() {
        // 5 KB/s: the processed photo (about 140 KB) takes about half a minute to go through, so
        // the steps below (slow on a loaded machine) happen while it is under way.
        ThrottleProxy(AppHarness.stub.baseUrl, bytesPerSecond = 5_000).use { proxy ->
            AppHarness.configureApp(vi, baseUrl = proxy.baseUrl)
            AppHarness.signInDirectly(AppHarness.newPhone())
            val scenario = launchApp()
            AppHarness.setNetwork(online = true)
            val marker = "DEATH-" + UUID.randomUUID().toString().take(8)

            compose.clickText(t(UiR.string.home_new_report))
            compose.clickText(t(UiR.string.action_pick_gallery))
            AppHarness.answerLastRequest(scenario, data = Intent().setData(AppHarness.photoUri("synthetic_gps/hatinh_thanh_sen_18073_orient6.jpg")))
            compose.waitForText("Thành Sen", substring = true, timeoutMs = 30_000)
            val category = AppHarness.app.graph.repository.config().categories.first { it.code == "moi_truong" }
            compose.clickText(category.nameVi)
            compose.onNode(hasSetTextAction()).performScrollTo()
            compose.onNode(hasSetTextAction()).performTextInput("Rác thải đổ trộm bên bờ sông, bốc mùi. $marker")
            compose.waitForIdle()

            proxy.slow = true
            val before = proxy.sent.get()
            compose.clickText(t(UiR.string.new_report_send))
            compose.clickText(t(UiR.string.home_outbox_pending, 1))
            compose.waitForText(t(UiR.string.delivery_uploading), substring = true, timeoutMs = 30_000)
            // Some bytes are out, the report is not on the server yet.
            eventually(30_000, compose) { (proxy.sent.get() - before > 8_000).takeIf { it } }
            assertEquals(0, AppHarness.casesWith(marker).size)

            // The activity goes (as when the system reclaims it) and the upload's connections with it.
            proxy.cut()
            scenario.recreate()
            compose.waitForText(t(UiR.string.outbox_title))
            proxy.slow = false
            // The network callback fires again on return; the core resumes where the upload stopped.
            AppHarness.setNetwork(online = true)

            val case = eventually(60_000, compose) { AppHarness.casesWith(marker).singleOrNull() }
            compose.waitForText(t(UiR.string.step_done), timeoutMs = 30_000)
            Thread.sleep(300)
            assertEquals("one report on the server", 1, AppHarness.casesWith(marker).size)
            assertEquals("with its photo", 1, case.getJSONArray("media").length())
            assertTrue(case.getString("description").contains(marker))
        }
    }
}
