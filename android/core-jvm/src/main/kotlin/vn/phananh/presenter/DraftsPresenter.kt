package vn.phananh.presenter

import java.util.concurrent.atomic.AtomicBoolean
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch
import vn.phananh.core.Draft
import vn.phananh.core.LocalState
import vn.phananh.core.MediaKind
import vn.phananh.data.DraftRepository
import vn.phananh.data.runCatchingExceptions
import vn.phananh.ui.state.DraftSummary
import vn.phananh.ui.state.DraftsEvent
import vn.phananh.ui.state.DraftsState
import vn.phananh.ui.state.PhotoRef

/**
 * The drafts list: every report not sent yet, most recently edited first. A deleted draft
 * leaves the list at once but stays on the phone for [undoWindowMs]: "undo" brings it back
 * untouched, and only when the window passes is it deleted in the core. The window runs in
 * [appScope], so leaving the screen does not cancel a deletion the user asked for; if the app
 * dies inside the window the draft is simply still there (nothing is lost).
 */
class DraftsPresenter(
    private val repo: DraftRepository,
    private val scope: CoroutineScope,
    private val appScope: CoroutineScope,
    private val undoWindowMs: Long = UNDO_WINDOW_MS,
) : Presenter<DraftsState, DraftsEvent> {
    private val config = repo.config()
    private val _state = MutableStateFlow(DraftsState())
    override val state: StateFlow<DraftsState> = _state.asStateFlow()

    /** The deletion whose undo window is running: whoever claims it first (undo or timer) wins. */
    private class Pending(val summary: DraftSummary) {
        val claimed = AtomicBoolean(false)
        var timer: Job? = null
    }
    @Volatile private var pending: Pending? = null

    init {
        reload()
    }

    override fun onEvent(event: DraftsEvent) {
        when (event) {
            is DraftsEvent.Delete -> delete(event.id)
            DraftsEvent.Undo -> undo()
            DraftsEvent.Reload -> reload()
            is DraftsEvent.Shell -> Unit
        }
    }

    private fun reload() {
        scope.launch {
            runCatchingExceptions { repo.drafts() }
                .onSuccess { list ->
                    val hidden = pending?.summary?.id
                    _state.update { s ->
                        s.copy(
                            drafts = list.filter { it.state is LocalState.Draft && it.id != hidden }
                                .sortedByDescending { it.updatedAt }.map { it.toSummary() },
                            loading = false,
                            error = null,
                        )
                    }
                }
                .onFailure { e -> _state.update { it.copy(loading = false, error = e.toUiError()) } }
        }
    }

    private fun delete(id: String) {
        val summary = _state.value.drafts.firstOrNull { it.id == id } ?: return
        // One undo at a time: an earlier deletion still waiting is carried out now.
        pending?.let { earlier -> if (earlier.claimed.compareAndSet(false, true)) { earlier.timer?.cancel(); commit(earlier) } }
        val p = Pending(summary)
        pending = p
        _state.update { s -> s.copy(drafts = s.drafts.filter { it.id != id }, pendingDelete = summary) }
        p.timer = appScope.launch {
            delay(undoWindowMs)
            if (p.claimed.compareAndSet(false, true)) commitNow(p)
        }
    }

    private fun commit(p: Pending) {
        appScope.launch { commitNow(p) }
    }

    private suspend fun commitNow(p: Pending) {
        runCatchingExceptions { repo.deleteDraft(p.summary.id) }
            .onSuccess {
                if (pending === p) pending = null
                _state.update { s -> if (s.pendingDelete?.id == p.summary.id) s.copy(pendingDelete = null) else s }
            }
            .onFailure { e ->
                // Not deleted: it is still a draft, so it goes back into the list.
                if (pending === p) pending = null
                _state.update { s ->
                    s.copy(
                        drafts = (s.drafts + p.summary).sortedByDescending { it.updatedAt },
                        pendingDelete = if (s.pendingDelete?.id == p.summary.id) null else s.pendingDelete,
                        error = e.toUiError(),
                    )
                }
            }
    }

    private fun undo() {
        val p = pending ?: return
        if (!p.claimed.compareAndSet(false, true)) return
        p.timer?.cancel()
        pending = null
        _state.update { s ->
            s.copy(drafts = (s.drafts + p.summary).sortedByDescending { it.updatedAt }, pendingDelete = null)
        }
    }

    private fun Draft.toSummary() = DraftSummary(
        id = id,
        category = category?.let { config.categoryName(it) },
        description = description,
        thumbnail = attachments.sortedBy { it.ordinal }.firstOrNull { it.kind == MediaKind.PHOTO }?.let { PhotoRef(it.path) },
        attachmentCount = attachments.size,
        updatedAt = updatedAt.millis(),
    )

    companion object {
        /** How long "undo" is offered after a draft is deleted (the snackbar's time on screen). */
        const val UNDO_WINDOW_MS = 5_000L
    }
}
