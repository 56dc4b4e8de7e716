package vn.phananh.ui.state

/**
 * The core's public error (one stable code per case), ready for a screen to show in the user's
 * language. Mirrors the core's `PublicError`; the view-models map one onto the other.
 */
sealed interface UiError {
    /** Stable code, the same as the core's `PublicError::code`. */
    val code: String

    data object Offline : UiError { override val code = "offline" }
    data class Validation(val errors: List<FieldMessage>) : UiError { override val code = "validation" }
    data class NotFound(val what: String) : UiError { override val code = "not_found" }
    data object Unauthorized : UiError { override val code = "unauthorized" }
    data object Forbidden : UiError { override val code = "forbidden" }
    data class Storage(val problem: StorageProblem) : UiError { override val code = "storage" }
    /** [reason] is the core's media reason code or text (e.g. "video_too_long"). */
    data class Media(val reason: String) : UiError { override val code = "media" }
    data class InvalidState(val detail: String) : UiError { override val code = "invalid_state" }
    /** [status] is the HTTP status; 0 when the server's answer could not be understood. */
    data class Server(val status: Int) : UiError { override val code = "server" }
    data object Cancelled : UiError { override val code = "cancelled" }
    data object Internal : UiError { override val code = "internal" }
}

enum class StorageProblem { FULL, DAMAGED, IO }

/** Field names as the core reports them in validation errors. */
object Fields {
    const val CATEGORY = "category"
    const val DESCRIPTION = "description"
    const val LOCATION = "location"
    const val ATTACHMENTS = "attachments"
    const val RATING_LEVEL = "rating.level"
    const val RATING_COMMENT = "rating.comment"
    const val PHONE = "phone"
    const val OTP = "otp"

    /** `attachments[2]`: the third attachment. */
    fun attachment(index: Int) = "$ATTACHMENTS[$index]"
}

/** One field that needs attention, shown in place next to the field. */
data class FieldMessage(val field: String, val problem: ValidationProblem)

/** Mirrors the core's `ValidationReason`; the screens turn it into a sentence. */
sealed interface ValidationProblem {
    data object Required : ValidationProblem
    data class TooShort(val min: Int) : ValidationProblem
    data class TooLong(val max: Int) : ValidationProblem
    data object UnknownCategory : ValidationProblem
    data class TooMany(val max: Int) : ValidationProblem
    data class TooFew(val min: Int) : ValidationProblem
    data class TooLarge(val maxBytes: Long) : ValidationProblem
    data object OutOfRange : ValidationProblem
    data class Invalid(val detail: String) : ValidationProblem
}

/** The messages for [field] (exact name, or `field[i]` entries when [field] is a list). */
fun List<FieldMessage>.forField(field: String): List<FieldMessage> =
    filter { it.field == field || it.field.startsWith("$field[") }
