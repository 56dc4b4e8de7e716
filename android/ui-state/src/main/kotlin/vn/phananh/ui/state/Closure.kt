package vn.phananh.ui.state

/** Why a resolution is not verified on site (the core's `VerificationReason`). */
enum class NotVerifiedReason { NO_PHOTO, NO_POSITION_IN_PHOTO, NO_CAPTURE_TIME, TOO_FAR, TAKEN_BEFORE_REPORT, OTHER }

/** The resident's answer to a resolution: "Đã sửa" (confirmed) or "Chưa sửa" with what is still wrong. */
data class ClosureAnswerInfo(
    val confirmed: Boolean,
    val text: String?,
    val at: EpochMillis,
    /** Still in the outbox (not yet on the server). */
    val pending: Boolean = false,
)

/**
 * Verified closure (issue 13): how the latest resolution was checked against the unit's "after"
 * photo, the before/after photos, and the resident's answer within the answer window.
 */
data class ClosureState(
    val verified: Boolean,
    /** Metres between the "after" photo and the report, rounded; `null` without a positioned photo. */
    val distanceM: Int?,
    /** The category's verification radius in metres. */
    val radiusM: Int,
    /** `null` when verified. */
    val reason: NotVerifiedReason?,
    /** The report's own first photo. */
    val before: PhotoRef?,
    /** The unit's photo that was checked. */
    val after: PhotoRef?,
    val answerUntil: EpochMillis,
    val myAnswer: ClosureAnswerInfo?,
    /** Within the window and not answered yet: "Đã sửa" / "Chưa sửa" are offered. */
    val canAnswer: Boolean,
    /** The "Chưa sửa" text field is open. */
    val disputing: Boolean = false,
    val disputeText: String = "",
    val sending: Boolean = false,
    /** The core refused the answer (window closed, already answered, empty text…). */
    val error: UiError? = null,
)
