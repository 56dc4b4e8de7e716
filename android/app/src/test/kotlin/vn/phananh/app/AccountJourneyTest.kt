package vn.phananh.app

import android.content.Intent
import android.net.Uri
import java.io.File
import java.time.Instant
import java.util.UUID
import kotlinx.coroutines.runBlocking
import org.json.JSONObject
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertTrue
import org.junit.Test
import org.robolectric.Shadows.shadowOf
import vn.phananh.TestEnv
import vn.phananh.app.AppHarness.activity
import vn.phananh.app.AppHarness.clickText
import vn.phananh.app.AppHarness.eventually
import vn.phananh.app.AppHarness.has
import vn.phananh.app.AppHarness.text
import vn.phananh.app.AppHarness.waitForText
import vn.phananh.app.consent.PrivacyNotice
import vn.phananh.app.platform.DataExport
import vn.phananh.core.DraftEdit
import vn.phananh.haTinhFix
import vn.phananh.ui.state.AppLanguage
import vn.phananh.ui.R as UiR

/**
 * Journey (e): the resident's data rights from Settings, over the real core and the real stub.
 * "Download my data" → the summary names the folder and its counts, the folder holds what the
 * server recorded (the report, the consent with the notice's version shown by this app) and is
 * handed to the share sheet; sign-out asks first and says what stays unsent; "Delete account"
 * asks first, then the resident is signed out and on the sign-in screen, the phone has no
 * export left, and the officer still has the case without its reporter.
 */
class AccountJourneyTest : AppTest() {
    private val vi = AppLanguage.VI
    private fun t(id: Int, vararg args: Any) = text(vi, id, *args)

    @Test
    fun exportSignOutQuestionAndDeletion() {
        AppHarness.configureApp(vi)
        val phone = AppHarness.newPhone()
        AppHarness.signInDirectly(phone)
        val scenario = launchApp()
        AppHarness.setNetwork(online = true)
        val repo = AppHarness.app.graph.repository
        val marker = "ACCOUNT-" + UUID.randomUUID().toString().take(8)

        // One report with a photo, delivered (by the app's own sync or this run), and one draft.
        runBlocking {
            val d = repo.createDraft()
            repo.addAttachment(d.id, TestEnv.photo("apple_iphone_4s_orient6.jpg").path)
            repo.updateDraft(d.id, listOf(DraftEdit.Category("giao_thong"), DraftEdit.Description("Ổ gà giữa đường $marker"), DraftEdit.Location(haTinhFix())))
            repo.submitDraft(d.id)
            repo.runPending(Instant.now().plusSeconds(30))
        }
        val case = eventually(30_000, compose) { AppHarness.casesWith(marker).singleOrNull() }
        runBlocking { repo.createDraft() }

        compose.clickText(t(UiR.string.settings_title))
        compose.waitForText(t(UiR.string.settings_export))

        // Download my data: the summary says where and how much.
        compose.clickText(t(UiR.string.settings_export))
        val exports = DataExport.dir(AppHarness.context)
        val folder = eventually(30_000, compose) { exports.listFiles()?.singleOrNull { it.isDirectory && !it.name.endsWith(".part") } }
        compose.waitForText(t(UiR.string.settings_export_done, folder.path, 1, 1), timeoutMs = 20_000)
        assertFalse("nothing missing, so no missing-media line", compose.has(t(UiR.string.settings_export_missing, 0)))
        val data = JSONObject(File(folder, "data.json").readText())
        assertEquals("+84" + phone.drop(1), data.getJSONObject("server").getJSONObject("user").getString("phone"))
        assertEquals(case.getString("id"), data.getJSONObject("server").getJSONArray("reports").getJSONObject(0).getString("id"))
        assertEquals(
            "the server recorded the version of the notice this app shows",
            PrivacyNotice.VERSION.toString(),
            data.getJSONObject("server").getJSONArray("consents").getJSONObject(0).get("version").toString(),
        )

        // Shared as files: data.json first, then the photo.
        compose.clickText(t(UiR.string.settings_export_share))
        val chooser = shadowOf(scenario.activity<MainActivity>()).nextStartedActivity
        assertEquals(Intent.ACTION_CHOOSER, chooser.action)
        @Suppress("DEPRECATION")
        val send = chooser.getParcelableExtra<Intent>(Intent.EXTRA_INTENT)!!
        assertEquals(Intent.ACTION_SEND_MULTIPLE, send.action)
        @Suppress("DEPRECATION")
        val uris = send.getParcelableArrayListExtra<Uri>(Intent.EXTRA_STREAM)!!
        assertEquals(folder.walkTopDown().count { it.isFile }, uris.size)
        assertTrue(uris.first().toString(), uris.first().toString().endsWith("/data.json"))
        assertTrue((send.flags and Intent.FLAG_GRANT_READ_URI_PERMISSION) != 0)

        // Sign-out asks first, and says the unsent draft stays for this account.
        compose.clickText(t(UiR.string.settings_sign_out))
        compose.waitForText(t(UiR.string.settings_sign_out_unsent, 1))
        compose.clickText(t(UiR.string.settings_dialog_cancel))
        assertTrue("cancelled: still signed in", runBlocking { repo.isSignedIn() })

        // Delete: asks, says what happens, then signs out and goes to the sign-in screen.
        compose.clickText(t(UiR.string.settings_delete))
        compose.waitForText(t(UiR.string.settings_delete_body))
        compose.clickText(t(UiR.string.settings_delete_confirm))
        compose.waitForText(t(UiR.string.login_phone_intro), timeoutMs = 30_000)
        assertFalse(runBlocking { repo.isSignedIn() })
        assertTrue(runBlocking { repo.drafts().isEmpty() && repo.outbox().isEmpty() && repo.myReports().isEmpty() })
        assertEquals("no export of the deleted account is left", 0, exports.listFiles()!!.size)
        // The province keeps the case, without anyone's identity.
        val kept = AppHarness.report(case.getString("id"))
        assertTrue(kept.toString(), kept.isNull("reporter") || !kept.has("reporter"))
    }

    @Test
    fun deletionWithoutTheServerSaysNothingWasDeleted() {
        val front = RefusingFront(AppHarness.stub.baseUrl)
        AppHarness.configureApp(vi, baseUrl = front.baseUrl)
        AppHarness.signInDirectly(AppHarness.newPhone())
        launchApp()
        AppHarness.setNetwork(online = true)
        val repo = AppHarness.app.graph.repository
        val draft = runBlocking { repo.createDraft().id }
        compose.clickText(t(UiR.string.settings_title))
        compose.waitForText(t(UiR.string.settings_delete))
        // The server cannot be reached any more (connections to its address are refused).
        front.close()

        compose.clickText(t(UiR.string.settings_delete))
        compose.clickText(t(UiR.string.settings_delete_confirm))
        compose.waitForText(t(UiR.string.settings_delete_offline), timeoutMs = 30_000)
        assertTrue("still signed in", runBlocking { repo.isSignedIn() })
        assertEquals(listOf(draft), runBlocking { repo.drafts().map { it.id } })
        assertFalse("still in Settings, not sent to sign in", compose.has(t(UiR.string.login_phone_intro)))
        assertTrue("may try again", compose.has(t(UiR.string.settings_delete)))
    }
}
