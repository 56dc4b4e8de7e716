package vn.phananh.ui.desktop

import androidx.compose.runtime.Composable
import androidx.compose.ui.ImageComposeScene
import androidx.compose.ui.graphics.ImageBitmap
import androidx.compose.ui.graphics.toComposeImageBitmap
import androidx.compose.ui.text.font.FontFamily
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.text.platform.Font
import androidx.compose.ui.unit.Density
import java.io.File
import java.time.ZoneId
import java.util.concurrent.ConcurrentHashMap
import kotlin.math.max
import kotlin.math.min
import kotlin.math.roundToInt
import org.jetbrains.skia.EncodedImageFormat
import org.jetbrains.skia.Image
import org.jetbrains.skia.Rect
import org.jetbrains.skia.Surface
import vn.phananh.ui.*
import vn.phananh.ui.state.AppLanguage
import vn.phananh.ui.state.HomeTab

/** One screen to render: its file name, size in dp, and the composable with its fake state. */
class ScreenSpec(
    val name: String,
    val heightDp: Int = 891,
    val fontScale: Float = 1f,
    val content: @Composable (FakeData, AppLanguage) -> Unit,
)

/** Every screen of the app, each with the fake state that shows most of what it can display. */
val ALL_SCREENS: List<ScreenSpec> = listOf(
    ScreenSpec("home_my_reports") { d, _ -> HomeScreen(d.home(HomeTab.MY_REPORTS)) {} },
    ScreenSpec("home_public_feed") { d, _ -> HomeScreen(d.home(HomeTab.PUBLIC_FEED, online = false)) {} },
    ScreenSpec("home_signed_out") { d, _ -> HomeScreen(d.homeSignedOut()) {} },
    ScreenSpec("new_report", heightDp = 1900) { d, _ -> NewReportScreen(d.newReport()) {} },
    ScreenSpec("new_report_empty", heightDp = 1500) { d, _ -> NewReportScreen(d.newReportEmpty()) {} },
    ScreenSpec("new_report_me_too", heightDp = 2500) { d, _ -> NewReportScreen(d.newReportMeToo()) {} },
    ScreenSpec("location_picker") { d, _ -> LocationPickerScreen(d.picker()) {} },
    ScreenSpec("drafts") { d, _ -> DraftsScreen(d.drafts(undo = true)) {} },
    ScreenSpec("outbox", heightDp = 1100) { d, _ -> OutboxScreen(d.outbox()) {} },
    ScreenSpec("report_detail", heightDp = 1750) { d, _ -> ReportDetailScreen(d.detail()) {} },
    ScreenSpec("report_detail_duplicate") { d, _ -> ReportDetailScreen(d.detailRejected()) {} },
    ScreenSpec("report_detail_verified", heightDp = 2300) { d, _ -> ReportDetailScreen(d.detailVerified()) {} },
    ScreenSpec("report_detail_not_verified", heightDp = 2400) { d, _ -> ReportDetailScreen(d.detailNotVerified()) {} },
    ScreenSpec("rating") { d, _ -> RatingScreen(d.rating()) {} },
    ScreenSpec("notices", heightDp = 1200) { d, _ -> NoticesScreen(d.notices()) {} },
    ScreenSpec("map_offline", heightDp = 1200) { d, _ -> MapScreen(d.map()) {} },
    ScreenSpec("login_phone") { d, _ -> LoginScreen(d.loginPhone()) {} },
    ScreenSpec("login_otp") { d, _ -> LoginScreen(d.loginOtp()) {} },
    ScreenSpec("settings") { d, lang -> SettingsScreen(d.settings(lang)) {} },
    ScreenSpec("settings_account_data", heightDp = 1500) { d, lang -> SettingsScreen(d.settingsAccountData(lang)) {} },
    // Large text: the user's system font size at 150 %.
    ScreenSpec("home_my_reports_font150", fontScale = 1.5f) { d, _ -> HomeScreen(d.home(HomeTab.MY_REPORTS)) {} },
    ScreenSpec("new_report_font150", heightDp = 2800, fontScale = 1.5f) { d, _ -> NewReportScreen(d.newReport()) {} },
)

/**
 * Renders screens headless with Compose's [ImageComposeScene] (Skia, software) to PNG files, at a
 * common phone width (411 dp) and density 2.
 */
class ScreenRenderer(
    private val resDir: File,
    photosDir: File?,
    private val widthDp: Int = 411,
    private val density: Float = 2f,
) {
    private val data = FakeData(photosDir)
    private val strings = AppLanguage.entries.associateWith { XmlStrings.load(resDir, it) }
    private val loader = FileImageLoader()
    private val font = dejaVu()

    fun renderPng(spec: ScreenSpec, language: AppLanguage): ByteArray {
        val scene = ImageComposeScene(
            width = (widthDp * density).roundToInt(),
            height = (spec.heightDp * density).roundToInt(),
            density = Density(density, spec.fontScale),
        ) {
            PhanAnhTheme(strings.getValue(language), loader, ZoneId.of("Asia/Ho_Chi_Minh"), font) {
                spec.content(data, language)
            }
        }
        try {
            // First frame starts the image loads (produceState), later frames show them.
            var image = scene.render(0)
            for (frame in 1..3) image = scene.render(frame * 50_000_000L)
            return image.encodeToData(EncodedImageFormat.PNG)!!.bytes
        } finally {
            scene.close()
        }
    }

    companion object {
        /** DejaVu Sans covers Vietnamese; pinned so renders do not depend on fontconfig's choice. */
        fun dejaVu(): FontFamily {
            val dir = File("/usr/share/fonts/truetype/dejavu")
            val regular = File(dir, "DejaVuSans.ttf")
            val bold = File(dir, "DejaVuSans-Bold.ttf")
            if (!regular.isFile || !bold.isFile) return FontFamily.Default
            return FontFamily(Font(regular, FontWeight.Normal), Font(bold, FontWeight.Bold))
        }
    }
}

/** Decodes a local photo with Skia and scales it so its short edge is about [maxSizePx]. */
class FileImageLoader : ImageLoader {
    private val cache = ConcurrentHashMap<Pair<String, Int>, ImageBitmap>()

    override suspend fun load(path: String, maxSizePx: Int): ImageBitmap? {
        val file = File(path)
        if (!file.isFile) return null
        return cache.getOrPut(path to maxSizePx) {
            val img = Image.makeFromEncoded(file.readBytes())
            val scale = min(1.0, maxSizePx.toDouble() / min(img.width, img.height))
            val w = max(1, (img.width * scale).roundToInt())
            val h = max(1, (img.height * scale).roundToInt())
            val surface = Surface.makeRasterN32Premul(w, h)
            surface.canvas.drawImageRect(img, Rect.makeWH(w.toFloat(), h.toFloat()))
            surface.makeImageSnapshot().toComposeImageBitmap()
        }
    }
}

/** Renders every screen in both languages: `java ... RenderScreensKt <res dir> <photos dir> <out dir>`. */
fun main(args: Array<String>) {
    require(args.size == 3) { "usage: <res dir> <photos dir> <out dir>" }
    val out = File(args[2]).apply { mkdirs() }
    val renderer = ScreenRenderer(File(args[0]), File(args[1]).takeIf { it.isDirectory })
    for (spec in ALL_SCREENS) for (lang in AppLanguage.entries) {
        val t = System.nanoTime()
        File(out, "${spec.name}_${lang.tag}.png").writeBytes(renderer.renderPng(spec, lang))
        println("rendered ${spec.name}_${lang.tag}.png in ${(System.nanoTime() - t) / 1_000_000} ms")
    }
}
