package vn.phananh.ui.state

/** One level of the province's satisfaction scale (from the tenant config). */
data class RatingLevelOption(
    /** Value sent to the server; higher is more satisfied. */
    val value: Int,
    val label: LocalizedText,
    /** Choosing this level lets the user ask for the case to be reopened. */
    val mayReopen: Boolean,
)

data class RatingState(
    val reportId: String,
    val reportCategory: LocalizedText,
    val levels: List<RatingLevelOption>,
    val selectedLevel: Int? = null,
    val comment: String = "",
    val commentMaxChars: Int = 1000,
    val reopen: Boolean = false,
    /** Editing an existing rating rather than giving a first one. */
    val editing: Boolean = false,
    val fieldErrors: List<FieldMessage> = emptyList(),
    val submitting: Boolean = false,
    /** Accepted (possibly queued in the outbox until online). */
    val submitted: Boolean = false,
    val error: UiError? = null,
) {
    /** The reopen switch is offered only for a level that allows it. */
    val reopenAllowed: Boolean get() = levels.firstOrNull { it.value == selectedLevel }?.mayReopen == true
}
