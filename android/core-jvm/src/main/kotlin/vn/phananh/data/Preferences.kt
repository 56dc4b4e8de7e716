package vn.phananh.data

import kotlinx.coroutines.flow.StateFlow
import vn.phananh.ui.state.AppLanguage

/**
 * The user's app preferences (not secrets: those go to the platform's secret store).
 * [maskedPhone]: the number last used to sign in, masked ("091•••••78"), for the settings screen.
 */
data class Preferences(
    val language: AppLanguage,
    val wifiOnlyVideo: Boolean,
    val notifications: Boolean,
    val maskedPhone: String?,
    /** Version of the privacy notice the user agreed to (0: never), and when (epoch ms). */
    val consentVersion: Int = 0,
    val consentAt: Long = 0,
)

/** Where the preferences live: the app's `AppSettings` (SharedPreferences); [FakePreferencesRepository] in tests. */
interface PreferencesRepository {
    val values: StateFlow<Preferences>
    fun setLanguage(language: AppLanguage)
    fun setWifiOnlyVideo(enabled: Boolean)
    fun setNotifications(enabled: Boolean)
    /** Keeps [phone] masked, for the settings screen. */
    fun rememberPhone(phone: String)
    /** Forgets the masked number (signed out, or the account deleted). */
    fun forgetPhone()
}

/** "0912345678" → "091•••••78": enough to recognise one's number, not to read it. */
fun maskPhone(phone: String): String {
    var digits = phone.filter { it.isDigit() }
    // The server answers in E.164 (+84…); residents know their number as 0… .
    if (phone.trim().startsWith("+84") || (digits.startsWith("84") && digits.length == 11)) digits = "0" + digits.drop(2)
    return if (digits.length < 6) digits else digits.take(3) + "•".repeat(digits.length - 5) + digits.takeLast(2)
}

/** In-memory [PreferencesRepository] for presenter tests. */
class FakePreferencesRepository(initial: Preferences = Preferences(AppLanguage.VI, wifiOnlyVideo = true, notifications = true, maskedPhone = null)) :
    PreferencesRepository {
    private val state = kotlinx.coroutines.flow.MutableStateFlow(initial)
    override val values: StateFlow<Preferences> = state
    override fun setLanguage(language: AppLanguage) { state.value = state.value.copy(language = language) }
    override fun setWifiOnlyVideo(enabled: Boolean) { state.value = state.value.copy(wifiOnlyVideo = enabled) }
    override fun setNotifications(enabled: Boolean) { state.value = state.value.copy(notifications = enabled) }
    override fun rememberPhone(phone: String) { state.value = state.value.copy(maskedPhone = maskPhone(phone)) }
    override fun forgetPhone() { state.value = state.value.copy(maskedPhone = null) }
}
