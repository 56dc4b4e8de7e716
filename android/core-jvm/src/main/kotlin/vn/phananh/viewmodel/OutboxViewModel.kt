package vn.phananh.viewmodel

import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.catch
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch
import vn.phananh.core.BlockReason
import vn.phananh.core.Draft
import vn.phananh.core.LocalState
import vn.phananh.core.OutboxEntry
import vn.phananh.core.OutboxKind
import vn.phananh.core.OutboxSnapshot
import vn.phananh.data.CoreRepository
import vn.phananh.ui.state.LocalizedText
import vn.phananh.ui.state.OutboxItemState
import vn.phananh.ui.state.OutboxState
import vn.phananh.ui.state.OutboxStep
import vn.phananh.ui.state.PhotoRef
import vn.phananh.ui.state.OutboxKind as UiOutboxKind

/**
 * The outbox screen: what is waiting to be sent and how far each item has got, live from the
 * core's outbox subscription (progress included). Retry is the core's decision to make.
 */
class OutboxViewModel(
    private val repo: CoreRepository,
    private val scope: CoroutineScope,
) {
    private val config = repo.config()
    private val _state = MutableStateFlow(OutboxState())
    val state: StateFlow<OutboxState> = _state.asStateFlow()
    /** Drafts behind report items, read once each (title, description, thumbnail). */
    private val drafts = HashMap<String, Draft?>()

    init {
        scope.launch {
            repo.outboxUpdates()
                .catch { e -> _state.update { it.copy(error = e.toUiError()) } }
                .collect { snap -> _state.value = snap.toState() }
        }
    }

    fun retry(clientId: String) {
        scope.launch {
            runCatching { repo.retryOutboxItem(clientId) }.onFailure { e -> _state.update { it.copy(error = e.toUiError()) } }
        }
    }

    fun cancel(clientId: String) {
        scope.launch {
            runCatching { repo.cancelOutboxItem(clientId) }.onFailure { e -> _state.update { it.copy(error = e.toUiError()) } }
        }
    }

    fun retryAll() = _state.value.items.filter { it.canRetry }.forEach { retry(it.clientId) }

    private suspend fun OutboxSnapshot.toState() = OutboxState(
        items = entries.map { it.toState() },
        online = online,
        metered = metered,
        syncing = running,
    )

    private suspend fun OutboxEntry.toState(): OutboxItemState {
        val k = item.kind
        val draft = if (k is OutboxKind.Report) drafts.getOrPut(k.draftId) { runCatching { repo.draft(k.draftId) }.getOrNull() } else null
        val (kind, title, description) = when (k) {
            is OutboxKind.Report -> Triple(UiOutboxKind.REPORT, config.categoryName(draft?.category), draft?.description ?: "")
            is OutboxKind.Rating -> Triple(UiOutboxKind.RATING, LocalizedText("Đánh giá", "Rating"), k.rating.comment ?: "")
        }
        val state = item.state
        return OutboxItemState(
            clientId = item.clientId,
            kind = kind,
            title = title,
            description = description,
            delivery = state.toDelivery(failure),
            step = step(),
            bytesSent = bytesSent.toLong(),
            bytesTotal = bytesTotal.toLong(),
            attempts = item.attempts.toInt(),
            nextAttemptAt = item.nextAttemptAt?.millis(),
            createdAt = item.createdAt.millis(),
            canRetry = state is LocalState.Failed,
            canCancel = cancellable,
            thumbnail = draft?.attachments?.firstOrNull()?.let { PhotoRef(it.path, it.kind.toUi()) },
        )
    }

    /** What the item waits for or does, from the core's snapshot (no decisions here). */
    private fun OutboxEntry.step(): OutboxStep = when (val s = item.state) {
        is LocalState.Submitted -> OutboxStep.DONE
        is LocalState.Failed -> if (s.retryable) OutboxStep.WAITING_RETRY else OutboxStep.STOPPED
        else -> when (blocked) {
            BlockReason.OFFLINE -> OutboxStep.WAITING_NETWORK
            BlockReason.WAITING_FOR_WIFI -> OutboxStep.WAITING_WIFI
            BlockReason.SIGNED_OUT -> OutboxStep.WAITING_NETWORK
            null -> when {
                item.nextAttemptAt != null -> OutboxStep.WAITING_RETRY
                s is LocalState.Uploading && bytesTotal > 0u && bytesSent >= bytesTotal -> OutboxStep.CREATING_REPORT
                s is LocalState.Uploading -> OutboxStep.UPLOADING_MEDIA
                else -> OutboxStep.PROCESSING_MEDIA
            }
        }
    }
}
