package vn.phananh.app

import android.content.Intent
import android.graphics.Bitmap
import android.graphics.Canvas
import androidx.compose.ui.test.hasSetTextAction
import androidx.compose.ui.test.junit4.ComposeTestRule
import androidx.compose.ui.test.performScrollTo
import androidx.compose.ui.test.performTextInput
import androidx.test.core.app.ActivityScenario
import java.io.File
import java.util.UUID
import kotlinx.coroutines.runBlocking
import org.json.JSONObject
import vn.phananh.app.AppHarness.activity
import vn.phananh.app.AppHarness.clickText
import vn.phananh.app.AppHarness.eventually
import vn.phananh.app.AppHarness.text
import vn.phananh.app.AppHarness.waitForText
import vn.phananh.app.consent.PrivacyNotice
import vn.phananh.ui.state.AppLanguage
import vn.phananh.app.R as AppR
import vn.phananh.ui.R as UiR

/**
 * Walks the real app through every screen, from first start to rating, against the stub:
 * consent, sign-in, home, new report (photo + ward), location picker, outbox (queued while
 * offline), report detail (resolved by the officer), rating, settings. [visit] is called on
 * each screen once it shows what it should.
 */
class AppTour(private val compose: ComposeTestRule, private val scenario: ActivityScenario<MainActivity>, private val lang: AppLanguage) {
    private fun t(id: Int, vararg args: Any) = text(lang, id, *args)

    fun run(visit: (screen: String) -> Unit) {
        val marker = "TOUR-" + UUID.randomUUID().toString().take(8)

        compose.waitForText(t(AppR.string.consent_version, PrivacyNotice.VERSION))
        visit("consent")
        compose.clickText(t(AppR.string.consent_accept))

        compose.waitForText(t(UiR.string.login_phone_intro))
        visit("login")
        val phone = AppHarness.newPhone()
        compose.onNode(hasSetTextAction()).performTextInput(phone)
        val code = runBlocking { AppHarness.stub.otpFor(whileWaiting = { compose.waitForIdle() }) { compose.clickText(t(UiR.string.login_get_code)) } }
        compose.waitForText(t(UiR.string.login_verify))
        compose.onNode(hasSetTextAction()).performTextInput(code)
        visit("login-code")
        compose.clickText(t(UiR.string.login_verify))

        compose.waitForText(t(UiR.string.home_empty_mine))
        visit("home-empty")

        AppHarness.setNetwork(online = false)
        compose.clickText(t(UiR.string.home_new_report))
        compose.clickText(t(UiR.string.action_pick_gallery))
        AppHarness.answerLastRequest(scenario, data = Intent().setData(AppHarness.photoUri("synthetic_gps/hatinh_thanh_sen_18073_orient6.jpg")))
        compose.waitForText(t(UiR.string.attachment_has_gps), timeoutMs = 30_000)
        compose.waitForText("Thành Sen", substring = true, timeoutMs = 30_000)
        val category = AppHarness.app.graph.repository.config().categories.first { it.code == "giao_thong" }
        compose.clickText(if (lang == AppLanguage.VI) category.nameVi else category.nameEn)
        compose.onNode(hasSetTextAction()).performScrollTo()
        compose.onNode(hasSetTextAction()).performTextInput("Ổ gà lớn giữa đường Trần Phú, xe máy dễ ngã. $marker")
        compose.waitForIdle()
        scrollToTop()
        visit("new-report")

        compose.clickText(t(UiR.string.location_adjust))
        compose.waitForText(t(UiR.string.picker_hint))
        visit("location-picker")
        compose.clickText(t(UiR.string.action_back))

        compose.clickText(t(UiR.string.new_report_send))
        compose.clickText(t(UiR.string.home_outbox_pending, 1))
        compose.waitForText(t(UiR.string.outbox_offline))
        visit("outbox")
        AppHarness.setNetwork(online = true)
        val case = eventually(30_000, compose) { AppHarness.casesWith(marker).singleOrNull() }
        compose.waitForText(t(UiR.string.step_done), timeoutMs = 30_000)
        val caseId = case.getString("id")
        AppHarness.officerAct(caseId, JSONObject().put("action", "accept"))
        AppHarness.officerAct(caseId, JSONObject().put("action", "start"))
        AppHarness.officerAct(caseId, JSONObject().put("action", "resolve").put("message", "Đã vá ổ gà. Resolved."))
        compose.clickText(t(UiR.string.action_back))

        compose.waitForText(marker, substring = true)
        compose.clickText(marker, substring = true)
        compose.waitForText(t(UiR.string.status_resolved), timeoutMs = 30_000)
        compose.waitForText("Đã vá ổ gà", substring = true)
        visit("report-detail")

        compose.clickText(t(UiR.string.detail_rate))
        val unhappy = AppHarness.app.graph.repository.config().ratingScale.first { it.mayReopen }
        compose.clickText(if (lang == AppLanguage.VI) unhappy.labelVi else unhappy.labelEn)
        visit("rating")
        compose.clickText(t(UiR.string.action_back))
        compose.clickText(t(UiR.string.action_back))

        compose.waitForText(marker, substring = true)
        visit("home")
        compose.clickText(t(UiR.string.settings_title))
        compose.waitForText(t(UiR.string.settings_language))
        visit("settings")
    }

    private fun scrollToTop() {
        runCatching { compose.onNode(androidx.compose.ui.test.hasText(t(UiR.string.new_report_title))).performScrollTo() }
        compose.waitForIdle()
    }

    /** The window as the device would show it (Robolectric native graphics), as a PNG. */
    fun screenshot(out: File) {
        compose.waitForIdle()
        val activity = scenario.activity<MainActivity>()
        val view = activity.window.decorView
        val bitmap = Bitmap.createBitmap(view.width, view.height, Bitmap.Config.ARGB_8888)
        view.draw(Canvas(bitmap))
        out.parentFile?.mkdirs()
        out.outputStream().use { bitmap.compress(Bitmap.CompressFormat.PNG, 100, it) }
    }
}
