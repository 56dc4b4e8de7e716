package vn.phananh.ui.state

enum class LoginStep { PHONE, OTP }

data class LoginState(
    val step: LoginStep = LoginStep.PHONE,
    val phone: String = "",
    val otp: String = "",
    val otpLength: Int = 6,
    /** Seconds until a new code may be requested; 0 when allowed now. */
    val resendInSeconds: Int = 0,
    val busy: Boolean = false,
    val fieldErrors: List<FieldMessage> = emptyList(),
    val error: UiError? = null,
)

data class SettingsState(
    val language: AppLanguage = AppLanguage.VI,
    /** Videos wait for Wi-Fi (or an unmetered network) before uploading. */
    val wifiOnlyVideo: Boolean = true,
    val notificationsEnabled: Boolean = true,
    /** Masked phone number of the signed-in user, null when signed out. */
    val signedInPhone: String? = null,
    val tenantName: LocalizedText,
    val appVersion: String,
    val coreVersion: String,
)
