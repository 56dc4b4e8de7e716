package vn.phananh.ui.state

/** One step of a case's history. */
data class TimelineEntry(
    val id: String,
    val at: EpochMillis,
    /** The status the case entered, when this step changed it. */
    val status: CaseStatus?,
    /** The unit the case was forwarded to or that acted. */
    val unitName: String? = null,
    /** Public text of the step (forwarding note, answer, rejection reason). */
    val message: String? = null,
    val photos: List<PhotoRef> = emptyList(),
)

/** The responsible unit's answer once the case is resolved. */
data class UnitAnswer(
    val unitName: String,
    val text: String,
    val answeredAt: EpochMillis,
    val photos: List<PhotoRef> = emptyList(),
)

data class RatingSummary(
    val level: Int,
    val label: LocalizedText,
    val comment: String?,
    val reopenRequested: Boolean,
    val ratedAt: EpochMillis,
    /** Still in the outbox. */
    val pending: Boolean = false,
)

data class ReportDetailState(
    val id: String,
    val category: LocalizedText,
    val description: String,
    val status: CaseStatus?,
    val delivery: DeliveryState? = null,
    val createdAt: EpochMillis,
    val ward: WardInfo? = null,
    val lat: Double? = null,
    val lon: Double? = null,
    val photos: List<PhotoRef> = emptyList(),
    val unitName: String? = null,
    /** Handling deadline set by regulation (`expected_datetime`). */
    val deadline: EpochMillis? = null,
    val overdue: Boolean = false,
    val timeline: List<TimelineEntry> = emptyList(),
    val answer: UnitAnswer? = null,
    val rejectionReason: String? = null,
    /** Server id of the report this one duplicates. */
    val duplicateOf: String? = null,
    val myRating: RatingSummary? = null,
    /** The user may rate now (their own report, resolved). */
    val canRate: Boolean = false,
    val isMine: Boolean = true,
    val anonymous: Boolean = false,
    val loading: Boolean = false,
    val error: UiError? = null,
    /** Verified closure, once the case was resolved (issue 13). */
    val closure: ClosureState? = null,
)
