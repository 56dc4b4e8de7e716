package vn.phananh.ui.state

/** How serious a notice is; shown with a word and an icon, never by colour alone. */
enum class NoticeLevel { INFO, WARNING, SEVERE }

/** One official notice of the province (issue 13). */
data class NoticeItem(
    val id: String,
    val title: String,
    val body: String,
    val level: NoticeLevel,
    /** For the whole province (rather than some wards or an area). */
    val provinceWide: Boolean,
    val validFrom: EpochMillis,
    /** `null`: until withdrawn. */
    val validTo: EpochMillis?,
    val publishedAt: EpochMillis,
)

/** The notices screen: those covering where the device was last, most severe first. */
data class NoticesState(
    val items: List<NoticeItem> = emptyList(),
    /** Ward of the device's last known position; `null` without a position (province-wide only). */
    val wardCode: String? = null,
    /** No position known: only the province-wide notices are listed. */
    val withoutPosition: Boolean = false,
    /** Offline: the phone's copy, as of [fetchedAt]. */
    val fromCache: Boolean = false,
    val fetchedAt: EpochMillis? = null,
    val loading: Boolean = true,
    val error: UiError? = null,
)

sealed interface NoticesEvent {
    data object Refresh : NoticesEvent

    sealed interface Shell : NoticesEvent
    data object Back : Shell
}
