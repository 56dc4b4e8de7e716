package vn.phananh.app

import androidx.compose.ui.test.hasSetTextAction
import androidx.compose.ui.test.performTextClearance
import androidx.compose.ui.test.performTextInput
import kotlinx.coroutines.runBlocking
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertTrue
import org.junit.Test
import vn.phananh.app.AppHarness.clickText
import vn.phananh.app.AppHarness.has
import vn.phananh.app.AppHarness.text
import vn.phananh.app.AppHarness.waitForText
import vn.phananh.app.consent.PrivacyNotice
import vn.phananh.ui.state.AppLanguage
import vn.phananh.app.R as AppR
import vn.phananh.ui.R as UiR

/** Journey (a): first start → privacy notice → OTP sign-in, a wrong code first, then the right one. */
class FirstStartTest : AppTest() {
    private val vi = AppLanguage.VI
    private fun t(id: Int, vararg args: Any) = text(vi, id, *args)

    @Test
    fun consentThenSignInWithWrongThenRightCode() {
        AppHarness.configureApp(vi, consented = false)
        launchApp()

        // The notice comes first; nothing else is reachable before agreeing.
        compose.waitForText(t(AppR.string.consent_title))
        compose.waitForText(t(AppR.string.consent_version, PrivacyNotice.VERSION))
        assertTrue(!compose.has(t(UiR.string.home_new_report)))
        assertEquals(0, AppHarness.app.graph.settings.values.value.consentVersion)
        compose.clickText(t(AppR.string.consent_accept))
        assertEquals("the agreement is recorded with the notice's version", PrivacyNotice.VERSION, AppHarness.app.graph.settings.values.value.consentVersion)

        // First start without an account: the sign-in screen is offered.
        compose.waitForText(t(UiR.string.login_phone_intro))
        val phone = AppHarness.newPhone()
        compose.onNode(hasSetTextAction()).performTextInput(phone)
        val code = runBlocking { AppHarness.stub.otpFor(whileWaiting = { compose.waitForIdle() }) { compose.clickText(t(UiR.string.login_get_code)) } }
        compose.waitForText(t(UiR.string.login_verify))

        // A wrong code: refused, still on the code step, not signed in.
        val wrong = code.map { if (it == '9') '0' else it + 1 }.joinToString("")
        compose.onNode(hasSetTextAction()).performTextInput(wrong)
        compose.clickText(t(UiR.string.login_verify))
        // Said at the code field, not as "please sign in again".
        compose.waitForText(t(UiR.string.problem_invalid), timeoutMs = 15_000)
        assertTrue(!compose.has(t(UiR.string.error_unauthorized)))
        assertFalse(runBlocking { AppHarness.app.graph.repository.isSignedIn() })
        compose.waitForText(t(UiR.string.login_verify))

        // The right code: signed in, back on the home screen with my reports.
        compose.onNode(hasSetTextAction()).performTextClearance()
        compose.onNode(hasSetTextAction()).performTextInput(code)
        compose.clickText(t(UiR.string.login_verify))
        compose.waitForText(t(UiR.string.home_new_report))
        assertTrue(runBlocking { AppHarness.app.graph.repository.isSignedIn() })
        compose.waitForText(t(UiR.string.home_tab_mine))
        assertTrue("no sign-in hint once signed in", !compose.has(t(UiR.string.home_sign_in_hint)))
    }
}
