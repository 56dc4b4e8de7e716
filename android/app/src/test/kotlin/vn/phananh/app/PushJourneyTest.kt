package vn.phananh.app

import android.Manifest
import android.app.Notification
import android.app.NotificationManager
import java.time.Instant
import java.util.UUID
import kotlinx.coroutines.runBlocking
import org.json.JSONObject
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Test
import org.robolectric.Shadows.shadowOf
import vn.phananh.TestEnv
import vn.phananh.app.AppHarness.clickText
import vn.phananh.app.AppHarness.eventually
import vn.phananh.app.AppHarness.has
import vn.phananh.app.AppHarness.text
import vn.phananh.app.AppHarness.waitForText
import vn.phananh.app.push.PushTokenSource
import vn.phananh.core.DraftEdit
import vn.phananh.core.PhanAnhException
import vn.phananh.core.ReportStatus
import vn.phananh.haTinhFix
import vn.phananh.ui.state.AppLanguage
import vn.phananh.ui.R as UiR

/**
 * Journey (issue 17 item 6): the platform's push token (what FCM gives a Play build) is
 * registered for the resident by the app → the officer forwards the resident's report on the
 * stub, which pushes to that token → the push's data handed to the app (as FcmService does)
 * changes the status on the open report screen and posts the status notification; a push for
 * a report that is not the resident's changes nothing and posts nothing.
 */
class PushJourneyTest : AppTest() {
    private val vi = AppLanguage.VI
    private fun t(id: Int, vararg args: Any) = text(vi, id, *args)

    private fun notifications(): List<Notification> =
        shadowOf(AppHarness.context.getSystemService(NotificationManager::class.java)).allNotifications

    private fun Notification.title() = extras.getCharSequence(Notification.EXTRA_TITLE)?.toString()
    private fun Notification.body() = extras.getCharSequence(Notification.EXTRA_TEXT)?.toString()

    @Test
    fun pushChangesTheStatusOnScreenAndPostsTheNotification() {
        AppHarness.configureApp(vi)
        val token = "fcm-journey-" + UUID.randomUUID()
        PhanAnhApplication.options = PhanAnhApplication.options!!.copy(pushTokens = object : PushTokenSource {
            override suspend fun currentToken() = token
        })
        shadowOf(AppHarness.app).grantPermissions(Manifest.permission.POST_NOTIFICATIONS)
        AppHarness.signInDirectly(AppHarness.newPhone())
        launchApp()
        AppHarness.setNetwork(online = true)

        val marker = "PUSH-" + UUID.randomUUID().toString().take(8)
        val repo = AppHarness.app.graph.repository
        runBlocking {
            val d = repo.createDraft()
            repo.addAttachment(d.id, TestEnv.photo("apple_iphone_4s_orient6.jpg").path)
            repo.updateDraft(d.id, listOf(DraftEdit.Category("giao_thong"), DraftEdit.Description("Đèn đường hỏng. $marker"), DraftEdit.Location(haTinhFix())))
            repo.submitDraft(d.id)
            repo.runPending(Instant.now().plusSeconds(60))
            repo.syncMyReports()
        }
        val caseId = eventually(30_000, compose) { AppHarness.casesWith(marker).singleOrNull() }.getString("id")

        // The report is open on screen, as received.
        compose.waitForText(marker, substring = true, timeoutMs = 30_000)
        compose.clickText(marker, substring = true)
        compose.waitForText(t(UiR.string.status_received), timeoutMs = 30_000)

        // The officer forwards it; the stub pushes to the one device the app registered.
        val mark = AppHarness.stub.logMark()
        AppHarness.officerAct(caseId, JSONObject().put("action", "accept"))
        val pushed = AppHarness.stub.awaitLog(Regex("push: .*report=$caseId devices=(\\d+)"), mark)
        assertEquals("the stub pushed to the token the app registered", "1", pushed?.groupValues?.get(1))
        // Nothing has pulled the change yet: the screen still says "received", no notification.
        compose.waitForIdle()
        assertEquals(ReportStatus.RECEIVED, runBlocking { repo.cachedReport(caseId) }!!.status)
        assertTrue(compose.has(t(UiR.string.status_received)))
        // The notification's texts in the language the app's context resolves (as StatusNotifier does).
        val app = AppHarness.context
        val title = app.getString(R.string.notification_status_title, caseId)
        assertTrue(notifications().none { it.title() == title })

        // The push's data, as FCM hands it to FcmService.onMessageReceived.
        val data = mapOf("kind" to "report_status", "report_id" to caseId, "status" to "forwarded", "google.message_id" to "0:1")
        runBlocking { AppHarness.app.graph.push.onMessage(data) }
        compose.waitForText(t(UiR.string.status_forwarded), timeoutMs = 30_000)
        val posted = notifications().filter { it.title() == title }
        assertEquals("one status notification for the report", 1, posted.size)
        assertEquals(app.getString(UiR.string.status_forwarded), posted.single().body())

        // A push naming a report that is not this resident's: refused, nothing changes, nothing posted.
        val count = notifications().size
        val refused = runBlocking {
            AppHarness.app.graph.push.handle(mapOf("kind" to "report_status", "report_id" to "999999", "status" to "resolved"))
        }
        assertTrue(refused.toString(), refused.exceptionOrNull() is PhanAnhException.NotFound)
        assertEquals(count, notifications().size)
        assertEquals(ReportStatus.FORWARDED, runBlocking { repo.cachedReport(caseId) }!!.status)
        compose.waitForText(t(UiR.string.status_forwarded))
    }
}
