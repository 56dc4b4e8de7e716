package vn.phananh.app.settings

import android.app.LocaleManager
import android.content.Context
import android.os.Build
import android.os.LocaleList
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import vn.phananh.data.Preferences
import vn.phananh.data.PreferencesRepository
import vn.phananh.data.maskPhone
import vn.phananh.ui.state.AppLanguage

/** The user's app preferences in SharedPreferences (not secrets: those go to the Keystore-backed store). */
class AppSettings(private val context: Context) : PreferencesRepository {
    private val prefs = context.getSharedPreferences("phananh_settings", Context.MODE_PRIVATE)

    private val state = MutableStateFlow(read())
    override val values: StateFlow<Preferences> = state.asStateFlow()

    private fun read() = Preferences(
        language = prefs.getString(KEY_LANGUAGE, null)?.let { tag -> AppLanguage.entries.firstOrNull { it.tag == tag } }
            ?: systemLanguage(),
        wifiOnlyVideo = prefs.getBoolean(KEY_WIFI_VIDEO, true),
        notifications = prefs.getBoolean(KEY_NOTIFICATIONS, true),
        maskedPhone = prefs.getString(KEY_PHONE, null),
        consentVersion = prefs.getInt(KEY_CONSENT_VERSION, 0),
        consentAt = prefs.getLong(KEY_CONSENT_AT, 0),
    )

    /** Records agreement to privacy notice [version] (commit: it must survive a crash right after). */
    fun acceptPrivacyNotice(version: Int, atMillis: Long) {
        prefs.edit().putInt(KEY_CONSENT_VERSION, version).putLong(KEY_CONSENT_AT, atMillis).commit()
        state.value = read()
    }

    override fun setLanguage(language: AppLanguage) {
        prefs.edit().putString(KEY_LANGUAGE, language.tag).apply()
        // Android 13+: also the system's per-app language, so notifications and system dialogs follow.
        if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.TIRAMISU) {
            context.getSystemService(LocaleManager::class.java).applicationLocales = LocaleList.forLanguageTags(language.tag)
        }
        state.value = read()
    }

    override fun setWifiOnlyVideo(enabled: Boolean) {
        prefs.edit().putBoolean(KEY_WIFI_VIDEO, enabled).apply()
        state.value = read()
    }

    override fun setNotifications(enabled: Boolean) {
        prefs.edit().putBoolean(KEY_NOTIFICATIONS, enabled).apply()
        state.value = read()
    }

    override fun rememberPhone(phone: String) {
        prefs.edit().putString(KEY_PHONE, maskPhone(phone)).apply()
        state.value = read()
    }

    override fun forgetPhone() {
        prefs.edit().remove(KEY_PHONE).apply()
        state.value = read()
    }

    /** Vietnamese unless the phone is set to English. */
    private fun systemLanguage(): AppLanguage =
        if (context.resources.configuration.locales[0].language == "en") AppLanguage.EN else AppLanguage.VI

    private companion object {
        const val KEY_LANGUAGE = "language"
        const val KEY_WIFI_VIDEO = "wifi_only_video"
        const val KEY_NOTIFICATIONS = "notifications"
        const val KEY_PHONE = "masked_phone"
        const val KEY_CONSENT_VERSION = "consent_version"
        const val KEY_CONSENT_AT = "consent_at"
    }
}
