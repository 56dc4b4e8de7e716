package vn.phananh.app.settings

import android.app.LocaleManager
import android.content.Context
import android.os.Build
import android.os.LocaleList
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import vn.phananh.ui.state.AppLanguage

/** The user's app preferences (not secrets: those go to the Keystore-backed store). */
class AppSettings(private val context: Context) {
    private val prefs = context.getSharedPreferences("phananh_settings", Context.MODE_PRIVATE)

    /** [maskedPhone]: the number last used to sign in, masked ("091•••••78"), for the settings screen. */
    data class Values(val language: AppLanguage, val wifiOnlyVideo: Boolean, val notifications: Boolean, val maskedPhone: String?)

    private val state = MutableStateFlow(read())
    val values: StateFlow<Values> = state.asStateFlow()

    private fun read() = Values(
        language = prefs.getString(KEY_LANGUAGE, null)?.let { tag -> AppLanguage.entries.firstOrNull { it.tag == tag } }
            ?: systemLanguage(),
        wifiOnlyVideo = prefs.getBoolean(KEY_WIFI_VIDEO, true),
        notifications = prefs.getBoolean(KEY_NOTIFICATIONS, true),
        maskedPhone = prefs.getString(KEY_PHONE, null),
    )

    fun setLanguage(language: AppLanguage) {
        prefs.edit().putString(KEY_LANGUAGE, language.tag).apply()
        // Android 13+: also the system's per-app language, so notifications and system dialogs follow.
        if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.TIRAMISU) {
            context.getSystemService(LocaleManager::class.java).applicationLocales = LocaleList.forLanguageTags(language.tag)
        }
        state.value = read()
    }

    fun setWifiOnlyVideo(enabled: Boolean) {
        prefs.edit().putBoolean(KEY_WIFI_VIDEO, enabled).apply()
        state.value = read()
    }

    fun setNotifications(enabled: Boolean) {
        prefs.edit().putBoolean(KEY_NOTIFICATIONS, enabled).apply()
        state.value = read()
    }

    fun rememberPhone(phone: String) {
        val digits = phone.filter { it.isDigit() }
        val masked = if (digits.length < 6) digits else digits.take(3) + "•".repeat(digits.length - 5) + digits.takeLast(2)
        prefs.edit().putString(KEY_PHONE, masked).apply()
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
    }
}
