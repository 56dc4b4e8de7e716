package vn.phananh.presenter

import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.catch
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch
import vn.phananh.core.BlockReason
import vn.phananh.core.ClosureVerdict
import vn.phananh.core.Draft
import vn.phananh.core.LocalState
import vn.phananh.core.OutboxEntry
import vn.phananh.core.OutboxKind
import vn.phananh.core.OutboxSnapshot
import vn.phananh.core.failureIsRetryable
import vn.phananh.data.DraftRepository
import vn.phananh.data.OutboxRepository
import vn.phananh.data.runCatchingExceptions
import vn.phananh.ui.state.OutboxEvent
import vn.phananh.ui.state.LocalizedText
import vn.phananh.ui.state.OutboxItemState
import vn.phananh.ui.state.OutboxState
import vn.phananh.ui.state.OutboxStep
import vn.phananh.ui.state.PhotoRef
import vn.phananh.ui.state.OutboxKind as UiOutboxKind

/**
 * The outbox screen: what is waiting to be sent and how far each item has got, live from the
 * core's outbox subscription (progress included). Retry is the core's decision to make; once
 * an item is queued again, [syncNow] gives the core time to deliver it.
 */
class OutboxPresenter(
    private val repo: OutboxRepository,
    private val drafts: DraftRepository,
    private val scope: CoroutineScope,
    private val syncNow: () -> Unit = {},
) : Presenter<OutboxState, OutboxEvent> {
    private val config = repo.config()
    private val _state = MutableStateFlow(OutboxState())
    override val state: StateFlow<OutboxState> = _state.asStateFlow()
    /** Drafts behind report items, read once each (title, description, thumbnail). */
    private val draftCache = HashMap<String, Draft?>()

    init {
        scope.launch {
            repo.outboxUpdates()
                .catch { e -> _state.update { it.copy(error = e.toUiError()) } }
                .collect { snap -> _state.value = snap.toState() }
        }
    }

    override fun onEvent(event: OutboxEvent) {
        when (event) {
            is OutboxEvent.Retry -> retry(listOf(event.clientId))
            OutboxEvent.RetryAll -> retry(_state.value.items.filter { it.canRetry }.map { it.clientId })
            is OutboxEvent.Cancel -> scope.launch {
                runCatchingExceptions { repo.cancelOutboxItem(event.clientId) }.onFailure { e -> _state.update { it.copy(error = e.toUiError()) } }
            }
            is OutboxEvent.Shell -> Unit
        }
    }

    private fun retry(clientIds: List<String>) {
        if (clientIds.isEmpty()) return
        scope.launch {
            var queued = 0
            for (id in clientIds) {
                runCatchingExceptions { repo.retryOutboxItem(id) }
                    .onSuccess { queued++ }
                    .onFailure { e -> _state.update { it.copy(error = e.toUiError()) } }
            }
            if (queued > 0) syncNow()
        }
    }

    private suspend fun OutboxSnapshot.toState() = OutboxState(
        items = entries.map { it.toState() },
        online = online,
        metered = metered,
        syncing = running,
    )

    private suspend fun OutboxEntry.toState(): OutboxItemState {
        val k = item.kind
        val draft = if (k is OutboxKind.Report) draftCache.getOrPut(k.draftId) { runCatchingExceptions { drafts.draft(k.draftId) }.getOrNull() } else null
        val (kind, title, description) = when (k) {
            is OutboxKind.Report -> Triple(UiOutboxKind.REPORT, config.categoryName(draft?.category), draft?.description ?: "")
            is OutboxKind.Rating -> Triple(UiOutboxKind.RATING, LocalizedText("Đánh giá", "Rating"), k.rating.comment ?: "")
            is OutboxKind.Closure -> Triple(
                UiOutboxKind.CLOSURE,
                if (k.verdict == ClosureVerdict.CONFIRMED) LocalizedText("Xác nhận đã sửa", "Confirmed fixed") else LocalizedText("Báo chưa sửa", "Reported not fixed"),
                k.text ?: "#${k.reportId}",
            )
            is OutboxKind.Join -> Triple(UiOutboxKind.JOIN, LocalizedText("Tôi cũng gặp", "Me too"), "#${k.reportId}")
        }
        val state = item.state
        return OutboxItemState(
            clientId = item.clientId,
            kind = kind,
            title = title,
            description = description,
            delivery = state.toDelivery(),
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
        is LocalState.Failed -> if (failureIsRetryable(s.failure.code)) OutboxStep.WAITING_RETRY else OutboxStep.STOPPED
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
