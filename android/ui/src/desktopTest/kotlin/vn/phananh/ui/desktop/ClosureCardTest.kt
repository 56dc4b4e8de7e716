package vn.phananh.ui.desktop

import androidx.compose.ui.test.ExperimentalTestApi
import androidx.compose.ui.test.hasText
import androidx.compose.ui.test.onNodeWithText
import androidx.compose.ui.test.performClick
import androidx.compose.ui.test.runComposeUiTest
import java.io.File
import java.time.ZoneId
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertTrue
import vn.phananh.ui.ClosureCard
import vn.phananh.ui.PhanAnhTheme
import vn.phananh.ui.Str
import vn.phananh.ui.state.AppLanguage
import vn.phananh.ui.state.ClosureAnswerInfo
import vn.phananh.ui.state.ClosureState
import vn.phananh.ui.state.NotVerifiedReason
import vn.phananh.ui.state.ReportDetailEvent
import vn.phananh.ui.state.UiError

/**
 * The verified-closure card says in words what the check found: verified with the distance,
 * or each reason its own sentence (too far: how far and the radius); the core's refusals of
 * an answer in words; "Đã sửa" / "Chưa sửa" only inside the window.
 */
@OptIn(ExperimentalTestApi::class)
class ClosureCardTest {
    private val res = File(System.getProperty("phananh.res.dir") ?: "src/main/res")
    private val later = System.currentTimeMillis() + 3 * 86_400_000L

    private fun closure(reason: NotVerifiedReason?, distance: Int? = null) = ClosureState(
        verified = reason == null, distanceM = distance, radiusM = 100, reason = reason, before = null, after = null,
        answerUntil = later, myAnswer = null, canAnswer = true,
    )

    private fun shown(lang: AppLanguage, c: ClosureState, texts: List<String>, events: MutableList<ReportDetailEvent> = mutableListOf(), then: (androidx.compose.ui.test.ComposeUiTest.() -> Unit) = {}) {
        val strings = XmlStrings.load(res, lang)
        runComposeUiTest {
            setContent {
                PhanAnhTheme(strings, FileImageLoader(), ZoneId.of("Asia/Ho_Chi_Minh"), ScreenRenderer.dejaVu()) { ClosureCard(c) { events += it } }
            }
            for (t in texts) assertEquals(1, onAllNodes(hasText(t)).fetchSemanticsNodes().size, "${lang.tag}: '$t' shown once")
            then()
        }
    }

    @Test
    fun verifiedOrNotIsSaidInWords() {
        val reasons = mapOf(
            NotVerifiedReason.NO_PHOTO to Str.closure_reason_no_photo,
            NotVerifiedReason.NO_POSITION_IN_PHOTO to Str.closure_reason_no_position,
            NotVerifiedReason.NO_CAPTURE_TIME to Str.closure_reason_no_time,
            NotVerifiedReason.TAKEN_BEFORE_REPORT to Str.closure_reason_before,
            NotVerifiedReason.OTHER to Str.closure_reason_other,
        )
        assertEquals(reasons.size, reasons.values.toSet().size)
        for (lang in AppLanguage.entries) {
            val s = XmlStrings.load(res, lang)
            shown(lang, closure(null, 40), listOf(s.raw(Str.closure_verified), s.raw(Str.closure_verified_distance).replace("%1\$s", "40 m")))
            val far = s.raw(Str.closure_reason_too_far).replace("%1\$s", if (lang == AppLanguage.VI) "2,0 km" else "2.0 km").replace("%2\$d", "100")
            shown(lang, closure(NotVerifiedReason.TOO_FAR, 2000), listOf(s.raw(Str.closure_not_verified), far))
            for ((reason, key) in reasons) shown(lang, closure(reason), listOf(s.raw(Str.closure_not_verified), s.raw(key)))
        }
    }

    @Test
    fun answersOnlyInTheWindowAndRefusalsInWords() {
        val lang = AppLanguage.VI
        val s = XmlStrings.load(res, lang)
        val events = mutableListOf<ReportDetailEvent>()
        shown(lang, closure(NotVerifiedReason.NO_PHOTO), emptyList(), events) {
            onNodeWithText(s.raw(Str.closure_confirm)).performClick()
            onNodeWithText(s.raw(Str.closure_dispute)).performClick()
        }
        assertEquals(listOf(ReportDetailEvent.ConfirmFix, ReportDetailEvent.StartDispute), events)

        val answered = closure(null, 12).copy(canAnswer = false, myAnswer = ClosureAnswerInfo(false, "Vẫn còn ổ gà", later - 86_400_000L, pending = true))
        shown(lang, answered, listOf("“Vẫn còn ổ gà”", s.raw(Str.delivery_queued))) {
            assertTrue(onAllNodes(hasText(s.raw(Str.closure_confirm))).fetchSemanticsNodes().isEmpty(), "no buttons once answered")
        }
        val closed = closure(NotVerifiedReason.NO_PHOTO).copy(canAnswer = false, answerUntil = System.currentTimeMillis() - 1000)
        shown(lang, closed, emptyList()) {
            assertTrue(onAllNodes(hasText(s.raw(Str.closure_window_over).substringBefore("%1"), substring = true)).fetchSemanticsNodes().size == 1)
            assertTrue(onAllNodes(hasText(s.raw(Str.closure_confirm))).fetchSemanticsNodes().isEmpty(), "no buttons after the window")
        }
        shown(lang, closure(null, 12).copy(error = UiError.InvalidState("already answered")), listOf(s.raw(Str.closure_error_answered)))
        shown(lang, closure(null, 12).copy(error = UiError.InvalidState("answer window of 7 days closed")), listOf(s.raw(Str.closure_error_window_closed)))
    }
}
