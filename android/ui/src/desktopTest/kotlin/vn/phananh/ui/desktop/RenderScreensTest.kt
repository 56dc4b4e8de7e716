package vn.phananh.ui.desktop

import java.io.File
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertTrue
import kotlin.test.assertFalse
import org.jetbrains.skia.Bitmap
import org.jetbrains.skia.Image
import vn.phananh.ui.state.AppLanguage

/**
 * Renders every screen in Vietnamese and English to `target/screens/NAME_LANG.png` and checks
 * that each render is a real picture of the expected size that differs between the languages.
 */
class RenderScreensTest {
    private val res = File(System.getProperty("phananh.res.dir") ?: "src/main/res")
    private val out = File(System.getProperty("phananh.screens.out") ?: "target/screens").apply { mkdirs() }
    private val photos = File(System.getProperty("phananh.photos.dir") ?: "../../../shared/data/photos").takeIf { it.isDirectory }

    @Test
    fun renderEveryScreenInBothLanguages() {
        val renderer = ScreenRenderer(res, photos)
        val started = System.nanoTime()
        var count = 0
        for (spec in ALL_SCREENS) {
            val pngs = AppLanguage.entries.associateWith { lang ->
                val t = System.nanoTime()
                val png = renderer.renderPng(spec, lang)
                File(out, "${spec.name}_${lang.tag}.png").writeBytes(png)
                println("render ${spec.name}_${lang.tag}: ${(System.nanoTime() - t) / 1_000_000} ms, ${png.size / 1024} KiB")
                count++
                png
            }
            for ((lang, png) in pngs) {
                val img = Image.makeFromEncoded(png)
                assertEquals(822, img.width, "${spec.name}_$lang width")
                assertEquals(spec.heightDp * 2, img.height, "${spec.name}_$lang height")
                assertTrue(distinctColours(img) > 20, "${spec.name}_$lang looks blank")
            }
            assertFalse(pngs.getValue(AppLanguage.VI).contentEquals(pngs.getValue(AppLanguage.EN)), "${spec.name}: vi and en renders are identical")
        }
        println("rendered $count screens in ${(System.nanoTime() - started) / 1_000_000} ms into ${out.absolutePath}" +
            (if (photos == null) " (photos dir missing: placeholders)" else ""))
    }

    private fun distinctColours(img: Image): Int {
        val bmp = Bitmap.makeFromImage(img)
        val seen = HashSet<Int>()
        var y = 0
        while (y < img.height) {
            var x = 0
            while (x < img.width) { seen.add(bmp.getColor(x, y)); x += 7 }
            y += 7
        }
        return seen.size
    }
}
