package vn.phananh.ui.desktop

import androidx.compose.ui.test.ExperimentalTestApi
import androidx.compose.ui.test.hasText
import androidx.compose.ui.test.runComposeUiTest
import java.io.File
import java.time.ZoneId
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertTrue
import vn.phananh.ui.OutboxScreen
import vn.phananh.ui.PhanAnhTheme
import vn.phananh.ui.Str
import vn.phananh.ui.state.AppLanguage
import vn.phananh.ui.state.DeliveryFailure
import vn.phananh.ui.state.DeliveryState
import vn.phananh.ui.state.LocalizedText
import vn.phananh.ui.state.OutboxItemState
import vn.phananh.ui.state.OutboxKind
import vn.phananh.ui.state.OutboxState
import vn.phananh.ui.state.OutboxStep

/**
 * A stopped outbox item says why, in the resident's language, from the core's typed failure
 * code: each code its own `failure_*` sentence (the texts iOS shows too), never a generic
 * "not possible now" and never the core's English detail.
 */
@OptIn(ExperimentalTestApi::class)
class OutboxFailureTextTest {
    private val res = File(System.getProperty("phananh.res.dir") ?: "src/main/res")

    private val expected = mapOf(
        DeliveryFailure.REJECTED to Str.failure_rejected,
        DeliveryFailure.FORBIDDEN to Str.failure_forbidden,
        DeliveryFailure.TOO_LARGE to Str.failure_too_large,
        DeliveryFailure.MEDIA to Str.failure_media,
        DeliveryFailure.NOT_FOUND to Str.failure_not_found,
        DeliveryFailure.CONFLICT to Str.failure_conflict,
        DeliveryFailure.INTERRUPTED to Str.failure_interrupted,
        DeliveryFailure.OTHER to Str.failure_other,
    )

    @Test
    fun eachFailureCodeShowsItsOwnSentence() {
        assertEquals(DeliveryFailure.entries.toSet(), expected.keys, "every code has a sentence")
        assertEquals(expected.size, expected.values.toSet().size, "no two codes share a sentence")
        for (lang in AppLanguage.entries) {
            val strings = XmlStrings.load(res, lang)
            for ((reason, key) in expected) {
                val item = OutboxItemState(
                    "c-$reason", OutboxKind.REPORT, LocalizedText("Giao thông", "Traffic"), "Ổ gà",
                    DeliveryState.Failed(reason, retryable = false), OutboxStep.STOPPED, attempts = 1, createdAt = 0,
                    canRetry = true, canCancel = true,
                )
                runComposeUiTest {
                    setContent {
                        PhanAnhTheme(strings, FileImageLoader(), ZoneId.of("Asia/Ho_Chi_Minh"), ScreenRenderer.dejaVu()) {
                            OutboxScreen(OutboxState(items = listOf(item))) {}
                        }
                    }
                    val shown = onAllNodes(hasText(strings.raw(key))).fetchSemanticsNodes()
                    assertEquals(1, shown.size, "${lang.tag} $reason: '${strings.raw(key)}' shown once")
                    val others = expected.filterKeys { it != reason }.values.map { strings.raw(it) }
                    assertTrue(others.none { onAllNodes(hasText(it)).fetchSemanticsNodes().isNotEmpty() }, "${lang.tag} $reason: only its own reason")
                    assertTrue(onAllNodes(hasText(strings.raw(Str.error_invalid_state))).fetchSemanticsNodes().isEmpty(), "no generic error")
                }
            }
        }
    }
}
