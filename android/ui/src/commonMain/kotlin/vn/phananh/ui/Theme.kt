package vn.phananh.ui

import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Typography
import androidx.compose.material3.darkColorScheme
import androidx.compose.material3.lightColorScheme
import androidx.compose.runtime.Composable
import androidx.compose.runtime.CompositionLocalProvider
import androidx.compose.runtime.staticCompositionLocalOf
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.graphics.ImageBitmap
import androidx.compose.ui.text.TextStyle
import androidx.compose.ui.text.font.FontFamily
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.unit.dp
import androidx.compose.ui.unit.sp
import java.time.ZoneId

/** Loads a photo or video poster for display, at most [maxSizePx] on its long edge. Host-provided. */
fun interface ImageLoader {
    suspend fun load(path: String, maxSizePx: Int): ImageBitmap?
}

val LocalImageLoader = staticCompositionLocalOf { ImageLoader { _, _ -> null } }

/** Loads a background tile of the map from its URL (null: not available, e.g. offline). Host-provided. */
fun interface TileLoader {
    suspend fun load(url: String): ImageBitmap?
}

val LocalTileLoader = staticCompositionLocalOf { TileLoader { null } }

/** The local copy of a server file (the core's media cache), or why there is none. Host-provided. */
fun interface MediaResolver {
    suspend fun resolve(remote: vn.phananh.ui.state.RemoteMedia): vn.phananh.ui.state.MediaResolution
}

val LocalMediaResolver = staticCompositionLocalOf<MediaResolver?> { null }

/** Time zone in which times are shown (the device's; fixed for reproducible renders). */
val LocalTimeZone = staticCompositionLocalOf<ZoneId> { ZoneId.systemDefault() }

/** Smallest height of anything the user taps: above Material's 48 dp for older residents. */
val MinTouch = 56.dp

private val Brand = Color(0xFF0B5CAD)

private val Colors = lightColorScheme(
    primary = Brand,
    onPrimary = Color.White,
    primaryContainer = Color(0xFFD6E4FF),
    onPrimaryContainer = Color(0xFF001B3E),
    secondary = Color(0xFFB3261E),
    secondaryContainer = Color(0xFFDCE6F5),
    onSecondaryContainer = Color(0xFF0A2A4F),
    tertiary = Color(0xFF1B6B3A),
    surface = Color(0xFFFCFCFF),
    background = Color(0xFFFCFCFF),
    error = Color(0xFFB3261E),
)

/** The same brand at night (the system dark theme): light tones on dark surfaces. */
private val DarkColors = darkColorScheme(
    primary = Color(0xFFA9C7FF),
    onPrimary = Color(0xFF002F65),
    primaryContainer = Color(0xFF00458E),
    onPrimaryContainer = Color(0xFFD6E4FF),
    secondary = Color(0xFFFFB4AB),
    secondaryContainer = Color(0xFF2B3A4F),
    onSecondaryContainer = Color(0xFFDCE6F5),
    tertiary = Color(0xFF8DD8A4),
    surface = Color(0xFF111318),
    background = Color(0xFF111318),
    error = Color(0xFFFFB4AB),
)

/** Material type scale, one step larger than the default so text is readable without zoom. */
private fun typography(family: FontFamily): Typography {
    val base = Typography()
    fun TextStyle.sized(size: Int, line: Int, weight: FontWeight? = null) =
        copy(fontFamily = family, fontSize = size.sp, lineHeight = line.sp, fontWeight = weight ?: fontWeight)
    return base.copy(
        headlineSmall = base.headlineSmall.sized(26, 32, FontWeight.SemiBold),
        titleLarge = base.titleLarge.sized(23, 30, FontWeight.SemiBold),
        titleMedium = base.titleMedium.sized(19, 26, FontWeight.SemiBold),
        titleSmall = base.titleSmall.sized(17, 24, FontWeight.SemiBold),
        bodyLarge = base.bodyLarge.sized(18, 26),
        bodyMedium = base.bodyMedium.sized(16, 23),
        bodySmall = base.bodySmall.sized(15, 21),
        labelLarge = base.labelLarge.sized(17, 22, FontWeight.SemiBold),
        labelMedium = base.labelMedium.sized(15, 20, FontWeight.Medium),
        labelSmall = base.labelSmall.sized(14, 18, FontWeight.Medium),
    )
}

/**
 * Theme and host services of every screen. [strings] and [imageLoader] come from the platform;
 * [fontFamily] lets the desktop renderer pin a font with Vietnamese glyphs.
 */
@Composable
fun PhanAnhTheme(
    strings: Strings,
    imageLoader: ImageLoader = ImageLoader { _, _ -> null },
    timeZone: ZoneId = ZoneId.systemDefault(),
    fontFamily: FontFamily = FontFamily.Default,
    dark: Boolean = false,
    mediaResolver: MediaResolver? = null,
    tileLoader: TileLoader = TileLoader { null },
    content: @Composable () -> Unit,
) {
    CompositionLocalProvider(
        LocalStrings provides strings,
        LocalImageLoader provides imageLoader,
        LocalMediaResolver provides mediaResolver,
        LocalTileLoader provides tileLoader,
        LocalTimeZone provides timeZone,
    ) {
        MaterialTheme(colorScheme = if (dark) DarkColors else Colors, typography = typography(fontFamily), content = content)
    }
}
