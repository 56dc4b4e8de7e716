package vn.phananh.app

import androidx.compose.ui.test.hasSetTextAction
import androidx.compose.ui.test.hasText
import androidx.compose.ui.test.performScrollTo
import androidx.compose.ui.test.performTextInput
import java.time.Instant
import java.util.UUID
import kotlinx.coroutines.runBlocking
import org.json.JSONObject
import org.junit.Assert.assertEquals
import org.junit.Test
import vn.phananh.app.AppHarness.clickText
import vn.phananh.app.AppHarness.eventually
import vn.phananh.app.AppHarness.text
import vn.phananh.app.AppHarness.waitForText
import vn.phananh.TestEnv
import vn.phananh.core.DraftEdit
import vn.phananh.haTinhFix
import vn.phananh.ui.state.AppLanguage
import vn.phananh.ui.R as UiR

/**
 * Journey (issue 13 item 1): a delivered report resolved by the officer on the stub without an
 * "after" photo → the detail shows "Chưa xác minh" and why → "Chưa sửa" with what is still wrong
 * → the answer goes through the outbox, the case is reopened on the stub, the answer is shown.
 */
class ClosureJourneyTest : AppTest() {
    private val vi = AppLanguage.VI
    private fun t(id: Int, vararg args: Any) = text(vi, id, *args)

    @Test
    fun resolvedWithoutPhotoIsNotVerifiedAndADisputeReopensIt() {
        AppHarness.configureApp(vi)
        AppHarness.signInDirectly(AppHarness.newPhone())
        launchApp()
        AppHarness.setNetwork(online = true)
        val marker = "CLOSURE-" + UUID.randomUUID().toString().take(8)
        // The report itself is filed through the app's core (the filing UI has its own journey).
        val repo = AppHarness.app.graph.repository
        runBlocking {
            val d = repo.createDraft()
            repo.addAttachment(d.id, TestEnv.photo("apple_iphone_4s_orient6.jpg").path)
            repo.updateDraft(d.id, listOf(DraftEdit.Category("giao_thong"), DraftEdit.Description("Ổ gà trước chợ. $marker"), DraftEdit.Location(haTinhFix())))
            repo.submitDraft(d.id)
            repo.runPending(Instant.now().plusSeconds(60))
        }
        val caseId = eventually(30_000, compose) { AppHarness.casesWith(marker).singleOrNull() }.getString("id")
        AppHarness.officerAct(caseId, JSONObject().put("action", "accept"))
        AppHarness.officerAct(caseId, JSONObject().put("action", "start"))
        AppHarness.officerAct(caseId, JSONObject().put("action", "resolve").put("message", "Đã lấp ổ gà. $marker"))

        // The app learns the resolution from the server (pull to refresh does what a push would).
        runBlocking { repo.syncMyReports() }
        compose.waitForText(marker, substring = true, timeoutMs = 30_000)
        compose.clickText(marker, substring = true)
        compose.waitForText(t(UiR.string.closure_not_verified), timeoutMs = 30_000)
        compose.waitForText(t(UiR.string.closure_reason_no_photo))

        compose.onNode(hasText(t(UiR.string.closure_dispute))).performScrollTo()
        compose.clickText(t(UiR.string.closure_dispute))
        compose.onNode(hasSetTextAction()).performScrollTo()
        compose.onNode(hasSetTextAction()).performTextInput("Ổ gà vẫn còn, mới đổ đất tạm")
        compose.waitForIdle()
        compose.onNode(hasText(t(UiR.string.closure_dispute_send))).performScrollTo()
        compose.clickText(t(UiR.string.closure_dispute_send))

        val reopened = eventually(30_000, compose) { AppHarness.report(caseId).takeIf { it.getString("status") == "reopened" } }
        assertEquals("reopened", reopened.getString("status"))
        compose.waitForText(t(UiR.string.status_reopened), timeoutMs = 30_000)
        compose.waitForText(t(UiR.string.closure_answer_disputed, "").substringBefore("("), substring = true, timeoutMs = 30_000)
    }
}
