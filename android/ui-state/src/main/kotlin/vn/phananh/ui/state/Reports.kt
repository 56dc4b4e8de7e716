package vn.phananh.ui.state

/** Server-side lifecycle of a case (DESIGN §3). */
enum class CaseStatus {
    RECEIVED,
    FORWARDED,
    IN_PROGRESS,
    RESOLVED,
    CLOSED,
    REJECTED,
    DUPLICATE,
    REOPENED,
}

/** Client-side state of something the user sent, before and while the server learns of it. */
sealed interface DeliveryState {
    data object Draft : DeliveryState
    data object Queued : DeliveryState
    data object Uploading : DeliveryState
    data object Submitted : DeliveryState
    /**
     * Stopped: [retryable] failures are retried by the core on its own; the others need the user
     * (fix the report or cancel it). [reason] is the core's typed failure code; the screens say it
     * in the user's language (the core's English detail is for support and never shown).
     */
    data class Failed(val reason: DeliveryFailure, val retryable: Boolean) : DeliveryState
}

/** Why the server or the device refused something sent (mirrors the core's `FailureCode`). */
enum class DeliveryFailure {
    /** The server refused the content (a field it does not accept). */
    REJECTED,
    FORBIDDEN,
    TOO_LARGE,
    MEDIA,
    NOT_FOUND,
    CONFLICT,
    INTERRUPTED,
    OTHER,
}

/** One row of "my reports" or of the public feed. */
data class ReportSummary(
    /** Server id once the server knows the report, the local client id before. */
    val id: String,
    val category: LocalizedText,
    /** The description, possibly cut short by the view-model. */
    val description: String,
    val ward: WardInfo?,
    /** Null while the report exists only on this device. */
    val status: CaseStatus?,
    /** Non-null only for my reports that are not yet on the server (or failed to get there). */
    val delivery: DeliveryState? = null,
    val createdAt: EpochMillis,
    val updatedAt: EpochMillis = createdAt,
    val thumbnail: PhotoRef? = null,
    /** Distance from the user, in the public feed when a position is known. */
    val distanceMeters: Double? = null,
    /** Handling deadline set by regulation (`expected_datetime`). */
    val deadline: EpochMillis? = null,
    val overdue: Boolean = false,
    /** The province's handling time for the report's category, in hours (shown in the feed). */
    val categoryDeadlineHours: Int? = null,
    /** The status changed since the user last opened the report. */
    val unread: Boolean = false,
)

enum class HomeTab { MY_REPORTS, PUBLIC_FEED }

/** Filter of the public feed; text search ignores diacritics (done by the core/server). */
data class FeedFilter(
    val query: String = "",
    val categoryCode: String? = null,
    val status: CaseStatus? = null,
)

/** What the public feed covers: around the device (a position is known) or the whole province. */
enum class FeedArea { NEARBY, PROVINCE }

data class HomeState(
    val tenantName: LocalizedText,
    val tab: HomeTab = HomeTab.MY_REPORTS,
    val myReports: List<ReportSummary> = emptyList(),
    val publicFeed: List<ReportSummary> = emptyList(),
    val categories: List<CategoryOption> = emptyList(),
    val feedFilter: FeedFilter = FeedFilter(),
    val feedArea: FeedArea = FeedArea.PROVINCE,
    /** Radius of the nearby feed, in metres. */
    val nearbyRadiusMeters: Int = 0,
    val provinceName: String = "",
    /** Items in the outbox that are not yet delivered (badge on the outbox button). */
    val pendingOutboxCount: Int = 0,
    val online: Boolean = true,
    val signedIn: Boolean = false,
    val loading: Boolean = false,
    val refreshing: Boolean = false,
    val error: UiError? = null,
)
