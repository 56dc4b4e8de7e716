package vn.phananh.app

import java.io.File
import org.junit.Assert.assertTrue
import org.junit.Test
import org.robolectric.RuntimeEnvironment
import org.robolectric.annotation.Config
import vn.phananh.ui.state.AppLanguage

/**
 * Screenshots of the real app under Robolectric's native graphics, to target/android-screens:
 * every screen in Vietnamese and English, one dark-theme set, and font scale 2.0 for the
 * new-report and detail screens. Each picture is checked not to be blank.
 */
@Config(qualifiers = "w411dp-h891dp-xxhdpi")
class ScreenshotTest : AppTest() {
    private val out = File(System.getProperty("phananh.screens") ?: "target/android-screens")

    private fun tour(lang: AppLanguage, suffix: String, only: Set<String>? = null) {
        AppHarness.configureApp(lang, consented = false)
        val scenario = launchApp()
        val tour = AppTour(compose, scenario, lang)
        val taken = mutableListOf<File>()
        tour.run { screen ->
            if (only == null || screen in only) {
                val f = File(out, "$screen-$suffix.png")
                tour.screenshot(f)
                taken += f
            }
        }
        for (f in taken) {
            val bmp = android.graphics.BitmapFactory.decodeFile(f.path)
            // Not blank: a screen has text and a top bar, so many distinct colours.
            val colours = HashSet<Int>()
            for (y in 0 until bmp.height step 7) for (x in 0 until bmp.width step 7) colours += bmp.getPixel(x, y)
            assertTrue("${f.name} looks blank (${colours.size} colours)", colours.size > 8)
        }
        println("screens: ${taken.size} written for $suffix")
    }

    @Test fun vietnamese() = tour(AppLanguage.VI, "vi")

    @Test fun english() = tour(AppLanguage.EN, "en")

    @Test
    @Config(qualifiers = "+night")
    fun dark() = tour(AppLanguage.VI, "vi-dark")

    @Test
    fun fontScale2() {
        RuntimeEnvironment.setFontScale(2f)
        tour(AppLanguage.VI, "vi-font2", only = setOf("new-report", "report-detail"))
    }
}
