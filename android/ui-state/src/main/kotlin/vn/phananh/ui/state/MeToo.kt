package vn.phananh.ui.state

/** An open report of the draft's category near its position ("me too", issue 13). */
data class NearbyReportItem(
    val id: String,
    val category: LocalizedText,
    val description: String,
    val status: CaseStatus,
    /** Metres from the draft's position, rounded. */
    val distanceM: Int,
    /** Residents who already said "me too" (the reporter not counted). */
    val supporters: Int,
    val thumbnail: PhotoRef? = null,
)

/**
 * "Đã có N phản ánh tương tự gần đây": shown on the new-report screen once the draft has a
 * category and a position. Joining one follows it instead of filing a duplicate.
 */
data class MeTooState(
    /** Nearest first; empty when none (or the draft lacks a category or a position). */
    val items: List<NearbyReportItem> = emptyList(),
    /** Offline: the list comes from the feed kept on the phone, as of [fetchedAt]. */
    val fromCache: Boolean = false,
    val fetchedAt: EpochMillis? = null,
    /** The report being joined (the button shows progress). */
    val joining: String? = null,
    /** The report I joined (queued in the outbox). */
    val joined: String? = null,
    /** After joining: ask whether to delete this draft or keep writing. */
    val askDiscard: Boolean = false,
    /** The draft was deleted after joining: the screen closes. */
    val draftDiscarded: Boolean = false,
    val error: UiError? = null,
)
