package vn.phananh.ui.desktop

import androidx.compose.ui.semantics.SemanticsActions
import androidx.compose.ui.semantics.SemanticsNode
import androidx.compose.ui.semantics.SemanticsProperties
import androidx.compose.ui.semantics.getOrNull
import androidx.compose.ui.test.ExperimentalTestApi
import androidx.compose.ui.test.hasClickAction
import androidx.compose.ui.test.runComposeUiTest
import java.io.File
import java.time.ZoneId
import kotlin.test.Test
import kotlin.test.assertTrue
import vn.phananh.ui.PhanAnhTheme
import vn.phananh.ui.state.AppLanguage

/**
 * Every tappable element of every screen, read through the same semantics tree TalkBack and
 * VoiceOver use: it must say what it is (a text or a content description) and be at least
 * 48 × 48 dp, Android's and WCAG's minimum for a touch target.
 */
@OptIn(ExperimentalTestApi::class)
class AccessibilityTest {
    private val res = File(System.getProperty("phananh.res.dir") ?: "src/main/res")
    private val photos = File(System.getProperty("phananh.photos.dir") ?: "../../../shared/data/photos").takeIf { it.isDirectory }

    @Test
    fun everyTappableElementIsLabelledAndLargeEnough() {
        val data = FakeData(photos)
        val problems = mutableListOf<String>()
        var checked = 0
        for (spec in ALL_SCREENS.filter { it.fontScale == 1f }) for (lang in AppLanguage.entries) {
            val strings = XmlStrings.load(res, lang)
            runComposeUiTest {
                setContent {
                    PhanAnhTheme(strings, FileImageLoader(), ZoneId.of("Asia/Ho_Chi_Minh"), ScreenRenderer.dejaVu()) {
                        spec.content(data, lang)
                    }
                }
                val nodes = onAllNodes(hasClickAction()).fetchSemanticsNodes()
                for (node in nodes) {
                    checked++
                    val label = label(node)
                    val w = node.size.width / density.density
                    val h = node.size.height / density.density
                    val where = "${spec.name}_${lang.tag}: '${label ?: "?"}'"
                    if (label.isNullOrBlank()) problems += "$where at ${node.boundsInRoot} has no text or content description: ${node.config}"
                    if (w < 47.5f || h < 47.5f) problems += "$where is ${w.toInt()}×${h.toInt()} dp"
                }
            }
        }
        println("accessibility: $checked tappable elements checked, ${problems.size} problems")
        problems.forEach { println("  $it") }
        assertTrue(checked > 100, "too few tappable elements found ($checked): the check is not seeing the screens")
        assertTrue(problems.isEmpty(), problems.joinToString("\n"))
    }

    private fun label(node: SemanticsNode): String? {
        val c = node.config
        c.getOrNull(SemanticsProperties.ContentDescription)?.joinToString(" ")?.let { return it }
        c.getOrNull(SemanticsProperties.Text)?.joinToString(" ") { it.text }?.let { return it }
        c.getOrNull(SemanticsProperties.EditableText)?.text?.let { return it }
        c.getOrNull(SemanticsActions.OnClick)?.label?.let { return it }
        return null
    }
}
