package vn.phananh.ui

import androidx.compose.runtime.Composable
import androidx.compose.runtime.ReadOnlyComposable
import androidx.compose.runtime.staticCompositionLocalOf
import java.util.Locale
import vn.phananh.ui.state.AppLanguage

/**
 * Every text of the screens comes from the Android string resources (`src/main/res/values` for
 * Vietnamese, `values-en` for English), looked up by [Str] key. The lookup is provided by the
 * host: Android resources in the app, the same XML files parsed on the desktop. A test checks
 * that [Str] and both XML files hold exactly the same keys.
 */
interface Strings {
    val language: AppLanguage
    val locale: Locale

    /** The raw text (Android format syntax, `%1$s`, `%2$d`). */
    fun raw(key: Str): String
}

val LocalStrings = staticCompositionLocalOf<Strings> { error("No Strings provided: wrap the screen in PhanAnhTheme") }

/** The text of [key] in the current language, formatted with [args] like Android's getString. */
@Composable
@ReadOnlyComposable
fun str(key: Str, vararg args: Any): String {
    val strings = LocalStrings.current
    val raw = strings.raw(key)
    return if (args.isEmpty()) raw else String.format(strings.locale, raw, *args)
}

@Composable
@ReadOnlyComposable
fun language(): AppLanguage = LocalStrings.current.language
