package vn.phananh.ui.android

import android.annotation.SuppressLint
import android.content.Context
import android.content.res.Configuration
import java.util.Locale
import vn.phananh.ui.Str
import vn.phananh.ui.Strings
import vn.phananh.ui.state.AppLanguage

/**
 * [Strings] from the Android resources of this module, in the language the user chose in the
 * app's settings (which may differ from the system language). Resource ids are resolved once
 * by name; res/raw/keep_strings.xml stops the resource shrinker from dropping them.
 */
class AndroidStrings(context: Context, override val language: AppLanguage) : Strings {
    override val locale: Locale = Locale.forLanguageTag(language.tag)

    private val resources = context.createConfigurationContext(
        // this@AndroidStrings: inside apply, a bare `locale` is Configuration.locale (the system one).
        Configuration(context.resources.configuration).apply { setLocale(this@AndroidStrings.locale) },
    ).resources

    @SuppressLint("DiscouragedApi") // keys are the enum names; looked up once per language
    private val ids: IntArray = Str.entries.map { key ->
        resources.getIdentifier(key.name, "string", context.packageName).also {
            check(it != 0) { "string resource '${key.name}' is missing" }
        }
    }.toIntArray()

    override fun raw(key: Str): String = resources.getString(ids[key.ordinal])
}
