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
    /** Signed in (now or already when the screen opened): the screen closes. */
    val signedIn: Boolean = false,
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
    /** A question on screen (sign-out, account deletion), null when none. */
    val dialog: SettingsDialog? = null,
    /** Export or deletion under way: the account buttons wait. */
    val busy: Boolean = false,
    /** The last "download my data": where it went and what it holds. */
    val exported: ExportResult? = null,
    /** Why the last "download my data" failed (nothing half-written is left). */
    val exportError: UiError? = null,
    /** Why the last deletion failed: nothing was deleted, here or on the server. */
    val deleteError: UiError? = null,
    /** The account was deleted (and signed out): the app moves on to the sign-in screen. */
    val accountDeleted: Boolean = false,
)

sealed interface SettingsDialog {
    /** Signing out; [unsent] drafts and queued items stay on the phone for this account. */
    data class ConfirmSignOut(val unsent: Int) : SettingsDialog
    /** Deleting the account: says what happens on the server and on this phone. */
    data object ConfirmDelete : SettingsDialog
}

/** A finished data export: the folder (data.json plus media) and its counts. */
data class ExportResult(
    val path: String,
    val reports: Int,
    val mediaFiles: Int,
    /** Media the server listed but could not serve (named in data.json without a file). */
    val mediaMissing: Int,
)
