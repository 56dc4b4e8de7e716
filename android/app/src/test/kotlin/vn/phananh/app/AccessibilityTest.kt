package vn.phananh.app

import androidx.compose.ui.semantics.SemanticsNode
import androidx.compose.ui.semantics.SemanticsProperties
import androidx.compose.ui.semantics.getOrNull
import androidx.compose.ui.test.hasClickAction
import androidx.compose.ui.test.hasSetTextAction
import org.junit.Assert.assertTrue
import org.junit.Test
import vn.phananh.ui.state.AppLanguage

/**
 * Journey (e), a screen-reader pass over every screen of the real app: each control (anything
 * clickable or editable) has a label a screen reader can speak (text or content description,
 * its own or merged from its children) and a touch target of at least 48 dp on both sides.
 */
class AccessibilityTest : AppTest() {
    private fun SemanticsNode.label(): String {
        val c = config
        val parts = (c.getOrNull(SemanticsProperties.ContentDescription) ?: emptyList()) +
            (c.getOrNull(SemanticsProperties.Text)?.map { it.text } ?: emptyList()) +
            listOfNotNull(c.getOrNull(SemanticsProperties.EditableText)?.text?.takeIf { it.isNotEmpty() })
        return parts.joinToString(" ").trim()
    }

    @Test
    fun everyControlIsLabelledAndLargeEnough() {
        AppHarness.configureApp(AppLanguage.VI, consented = false)
        val scenario = launchApp()
        val problems = mutableListOf<String>()
        var checked = 0
        val screens = mutableListOf<String>()
        AppTour(compose, scenario, AppLanguage.VI).run { screen ->
            screens += screen
            val density = scenario.let { s -> var d = 0f; s.onActivity { d = it.resources.displayMetrics.density }; d }
            val min = 48 * density - 0.5f
            // Merged tree: what TalkBack focuses (a button with its text inside is one node).
            for (node in compose.onAllNodes(hasClickAction() or hasSetTextAction()).fetchSemanticsNodes()) {
                checked++
                val label = node.label()
                // The touch target (Compose widens small controls) or, for controls scrolled out
                // of view (their visible bounds are clipped), the control's own laid-out size.
                val touch = node.touchBoundsInRoot
                val w = maxOf(touch.width, node.size.width.toFloat())
                val h = maxOf(touch.height, node.size.height.toFloat())
                val where = "$screen: ${label.ifEmpty { "<no label>" }} (${node.id})"
                if (label.isEmpty()) problems += "$where has no label"
                if (w < min || h < min) problems += "$where is ${"%.0f".format(w / density)}×${"%.0f".format(h / density)} dp"
            }
        }
        println("accessibility: $checked controls on ${screens.size} screens (${screens.joinToString()}), ${problems.size} problems")
        assertTrue("the tour reached every screen", screens.size >= 10)
        assertTrue("controls without a label or under 48 dp:\n" + problems.joinToString("\n"), problems.isEmpty())
    }
}
