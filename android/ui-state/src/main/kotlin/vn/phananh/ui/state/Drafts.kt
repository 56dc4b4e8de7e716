package vn.phananh.ui.state

/** One unsent draft in the drafts list. */
data class DraftSummary(
    val id: String,
    /** Null while no category is chosen. */
    val category: LocalizedText?,
    val description: String,
    /** The first photo of the draft (a file in app storage). */
    val thumbnail: PhotoRef?,
    val attachmentCount: Int,
    /** Last edit (the core's autosave time). */
    val updatedAt: EpochMillis,
)

data class DraftsState(
    /** Unsent drafts, most recently edited first; a draft being deleted is not among them. */
    val drafts: List<DraftSummary> = emptyList(),
    /** Deleted on screen, still on the phone until the undo window passes. */
    val pendingDelete: DraftSummary? = null,
    val loading: Boolean = true,
    val error: UiError? = null,
)
