package vn.phananh.viewmodel

import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch
import vn.phananh.core.LocalState
import vn.phananh.core.OutboxItem
import vn.phananh.core.OutboxKind
import vn.phananh.data.CoreRepository
import vn.phananh.ui.state.LocalizedText
import vn.phananh.ui.state.OutboxItemState
import vn.phananh.ui.state.OutboxState
import vn.phananh.ui.state.OutboxStep
import vn.phananh.ui.state.PhotoRef
import vn.phananh.ui.state.OutboxKind as UiOutboxKind

/** The outbox screen: what is waiting to be sent, and how far each item has got. */
class OutboxViewModel(
    private val repo: CoreRepository,
    private val scope: CoroutineScope,
) {
    private val config = repo.config()
    private val _state = MutableStateFlow(OutboxState())
    val state: StateFlow<OutboxState> = _state.asStateFlow()

    fun refresh() {
        scope.launch {
            runCatching { repo.outbox().map { it.toState() } }
                .onSuccess { items -> _state.update { it.copy(items = items, error = null) } }
                .onFailure { e -> _state.update { it.copy(error = e.toUiError()) } }
        }
    }

    private suspend fun OutboxItem.toState(): OutboxItemState {
        val (kind, title, description, thumb) = when (val k = kind) {
            is OutboxKind.Report -> {
                val d = runCatching { repo.draft(k.draftId) }.getOrNull()
                Quad(
                    UiOutboxKind.REPORT,
                    config.categoryName(d?.category),
                    d?.description ?: "",
                    d?.attachments?.firstOrNull()?.let { PhotoRef(it.path, it.kind.toUi()) },
                )
            }
            is OutboxKind.Rating -> Quad(UiOutboxKind.RATING, LocalizedText("Đánh giá", "Rating"), k.rating.comment ?: "", null)
        }
        return OutboxItemState(
            clientId = clientId,
            kind = kind,
            title = title,
            description = description,
            delivery = state.toDelivery(),
            step = state.toStep(),
            attempts = attempts.toInt(),
            nextAttemptAt = nextAttemptAt?.millis(),
            createdAt = createdAt.millis(),
            canRetry = state is LocalState.Failed,
            canCancel = state !is LocalState.Submitted,
            thumbnail = thumb,
        )
    }

    private data class Quad(val kind: UiOutboxKind, val title: LocalizedText, val description: String, val thumb: PhotoRef?)
}

internal fun LocalState.toStep(): OutboxStep = when (this) {
    is LocalState.Draft, is LocalState.Queued -> OutboxStep.WAITING_NETWORK
    is LocalState.Uploading -> OutboxStep.UPLOADING_MEDIA
    is LocalState.Submitted -> OutboxStep.DONE
    is LocalState.Failed -> if (retryable) OutboxStep.WAITING_RETRY else OutboxStep.STOPPED
}
