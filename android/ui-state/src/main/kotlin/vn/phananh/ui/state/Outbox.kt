package vn.phananh.ui.state

enum class OutboxKind { REPORT, RATING, CLOSURE, JOIN }

/** What the sync engine is doing (or waiting for) with an item. */
enum class OutboxStep {
    WAITING_NETWORK,
    /** A video waits for Wi-Fi because the user asked so. */
    WAITING_WIFI,
    /** Backing off after a transient error until [OutboxItemState.nextAttemptAt]. */
    WAITING_RETRY,
    PROCESSING_MEDIA,
    UPLOADING_MEDIA,
    CREATING_REPORT,
    DONE,
    STOPPED,
}

data class OutboxItemState(
    /** The client id (the server's idempotency key). */
    val clientId: String,
    val kind: OutboxKind,
    /** Category of the report (or of the rated report). */
    val title: LocalizedText,
    val description: String = "",
    val delivery: DeliveryState,
    val step: OutboxStep,
    val bytesSent: Long = 0,
    val bytesTotal: Long = 0,
    val attempts: Int = 0,
    val nextAttemptAt: EpochMillis? = null,
    val createdAt: EpochMillis,
    val canRetry: Boolean = false,
    val canCancel: Boolean = false,
    val thumbnail: PhotoRef? = null,
) {
    /** 0..1, or null when the total is not known yet. */
    val progress: Float? get() = if (bytesTotal > 0) (bytesSent.toDouble() / bytesTotal).toFloat().coerceIn(0f, 1f) else null
}

data class OutboxState(
    val items: List<OutboxItemState> = emptyList(),
    val online: Boolean = true,
    val metered: Boolean = false,
    val wifiOnlyVideo: Boolean = false,
    /** The sync engine is running right now. */
    val syncing: Boolean = false,
    val error: UiError? = null,
)
