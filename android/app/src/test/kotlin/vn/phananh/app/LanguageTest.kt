package vn.phananh.app

import androidx.compose.ui.test.onAllNodesWithContentDescription
import androidx.compose.ui.test.performClick
import org.junit.Assert.assertEquals
import org.junit.Assert.assertNotEquals
import org.junit.Assert.assertTrue
import org.junit.Test
import vn.phananh.app.AppHarness.clickText
import vn.phananh.app.AppHarness.has
import vn.phananh.app.AppHarness.text
import vn.phananh.app.AppHarness.waitForText
import vn.phananh.ui.state.AppLanguage
import vn.phananh.ui.R as UiR

/** Journey (d): the app in Vietnamese and in English, and the in-app switch between them. */
class LanguageTest : AppTest() {
    private fun absent(s: String) = !compose.has(s)

    private fun checkScreens(lang: AppLanguage) {
        val other = if (lang == AppLanguage.VI) AppLanguage.EN else AppLanguage.VI
        for (id in listOf(UiR.string.home_new_report, UiR.string.home_tab_mine, UiR.string.home_tab_public)) {
            val mine = text(lang, id)
            assertNotEquals("the two languages differ for this text", mine, text(other, id))
            compose.waitForText(mine)
            assertTrue("no ${other.tag} text on a ${lang.tag} screen", absent(text(other, id)))
        }
        compose.clickText(text(lang, UiR.string.home_new_report))
        compose.waitForText(text(lang, UiR.string.new_report_title))
        compose.waitForText(text(lang, UiR.string.action_pick_gallery))
        // Category names come from the tenant configuration in the same language.
        val category = AppHarness.app.graph.repository.config().categories.first()
        compose.waitForText(if (lang == AppLanguage.VI) category.nameVi else category.nameEn)
        assertTrue(absent(text(other, UiR.string.action_pick_gallery)))
        compose.onAllNodesWithContentDescription(text(lang, UiR.string.action_close))[0].performClick()
        compose.waitForText(text(lang, UiR.string.home_new_report))
    }

    @Test
    fun vietnameseThenSwitchToEnglishInSettings() {
        AppHarness.configureApp(AppLanguage.VI)
        AppHarness.signInDirectly(AppHarness.newPhone())
        launchApp()
        checkScreens(AppLanguage.VI)

        compose.onAllNodesWithContentDescription(text(AppLanguage.VI, UiR.string.settings_title))[0].performClick()
        compose.clickText("English")
        compose.waitForText(text(AppLanguage.EN, UiR.string.settings_title))
        assertEquals(AppLanguage.EN, AppHarness.app.graph.settings.values.value.language)
        compose.onAllNodesWithContentDescription(text(AppLanguage.EN, UiR.string.action_back))[0].performClick()
        checkScreens(AppLanguage.EN)
    }

    @Test
    fun englishFromTheStart() {
        AppHarness.configureApp(AppLanguage.EN)
        AppHarness.signInDirectly(AppHarness.newPhone())
        launchApp()
        checkScreens(AppLanguage.EN)
    }
}
