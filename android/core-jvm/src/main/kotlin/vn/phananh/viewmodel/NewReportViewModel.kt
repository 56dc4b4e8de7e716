package vn.phananh.viewmodel

import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch
import vn.phananh.core.Draft
import vn.phananh.core.DraftEdit
import vn.phananh.core.LocationFix
import vn.phananh.core.PhanAnhException
import vn.phananh.data.CoreRepository
import vn.phananh.ui.state.LocationState
import vn.phananh.ui.state.LocationStatus
import vn.phananh.ui.state.NewReportState
import vn.phananh.ui.state.UiError

/**
 * The "new report" screen. Every change is autosaved by the core (nothing typed is lost if the
 * app dies); saves go through one queue so they land in the order the user made them. The
 * platform shell feeds files ([addAttachment]) and fixes ([setLocation]); validation and the
 * move into the outbox are the core's.
 */
class NewReportViewModel(
    private val repo: CoreRepository,
    private val scope: CoroutineScope,
) {
    private val config = repo.config()
    private val _state = MutableStateFlow(
        NewReportState(
            categories = config.categories.map { it.toOption() },
            descriptionMinChars = config.descriptionMinChars.toInt(),
            descriptionMaxChars = config.descriptionMaxChars.toInt(),
            minAttachments = config.media.minAttachments.toInt(),
            maxPhotos = config.media.maxPhotos.toInt(),
            maxVideos = config.media.maxVideos.toInt(),
            maxVideoSeconds = config.media.maxVideoSeconds.toInt(),
            location = LocationState(provinceName = config.provinceName),
        ),
    )
    val state: StateFlow<NewReportState> = _state.asStateFlow()

    private val _submitted = MutableStateFlow<String?>(null)
    /** Client id of the outbox item once the report is submitted (the screen then closes). */
    val submitted: StateFlow<String?> = _submitted.asStateFlow()

    /** Edits in the order the user made them, and flush requests ([submit] sends what the user sees). */
    private val ops = Channel<Any>(Channel.UNLIMITED)
    @Volatile private var draftId: String? = null

    init {
        scope.launch { saveLoop() }
    }

    /** Opens draft [id] (resuming after process death) or a new one. */
    suspend fun start(id: String? = null) {
        val draft = runCatching { if (id != null) repo.draft(id) else repo.createDraft() }
            .getOrElse { e -> _state.update { it.copy(error = e.toUiError()) }; return }
        draftId = draft.id
        show(draft)
    }

    fun selectCategory(code: String) = edit(DraftEdit.Category(code)) { it.copy(selectedCategory = code) }
    fun changeDescription(text: String) = edit(DraftEdit.Description(text)) { it.copy(description = text) }
    fun changeAnonymous(anonymous: Boolean) = edit(DraftEdit.Anonymous(anonymous)) { it.copy(anonymous = anonymous) }

    /** A position chosen by the user or given by the platform's location provider. */
    fun setLocation(fix: LocationFix) = edit(DraftEdit.Location(fix)) {
        it.copy(location = it.location.copy(status = LocationStatus.FIXED, chosen = fix.toCandidate("chosen", null)))
    }

    /** A photo or video file from the camera or the gallery (platform). */
    fun addAttachment(path: String) {
        val id = draftId ?: return
        scope.launch {
            runCatching { repo.addAttachment(id, path) }
                .onSuccess { a -> _state.update { s -> s.copy(attachments = s.attachments + a.toItem(), error = null) } }
                .onFailure { e -> _state.update { it.copy(error = e.toUiError()) } }
        }
    }

    fun removeAttachment(attachmentId: String) {
        scope.launch {
            runCatching { repo.removeAttachment(attachmentId) }
                .onSuccess { _state.update { s -> s.copy(attachments = s.attachments.filter { it.id != attachmentId }) } }
                .onFailure { e -> _state.update { it.copy(error = e.toUiError()) } }
        }
    }

    /** Validates and moves the draft into the outbox; problems are shown next to their fields. */
    fun submit() {
        val id = draftId ?: return
        _state.update { it.copy(submitting = true, error = null) }
        scope.launch {
            flushEdits()
            try {
                val item = repo.submitDraft(id)
                _state.update { it.copy(submitting = false, submitted = true, fieldErrors = emptyList()) }
                _submitted.value = item.clientId
            } catch (e: PhanAnhException.Validation) {
                _state.update { it.copy(submitting = false, fieldErrors = e.errors.map { f -> f.toFieldMessage() }) }
            } catch (e: Exception) {
                _state.update { it.copy(submitting = false, error = e.toUiError()) }
            }
        }
    }

    /** Waits until every edit made so far is saved. */
    suspend fun flushEdits() {
        val done = CompletableDeferred<Unit>()
        ops.send(done)
        done.await()
    }

    private fun edit(e: DraftEdit, local: (NewReportState) -> NewReportState) {
        _state.update(local)
        ops.trySend(e)
    }

    private suspend fun saveLoop() {
        for (first in ops) {
            // Coalesce what piled up (fast typing) into one transaction.
            val batch = mutableListOf<DraftEdit>()
            val flushes = mutableListOf<CompletableDeferred<Unit>>()
            var next: Any? = first
            while (next != null) {
                @Suppress("UNCHECKED_CAST")
                when (next) {
                    is DraftEdit -> batch += next
                    is CompletableDeferred<*> -> flushes += next as CompletableDeferred<Unit>
                }
                next = ops.tryReceive().getOrNull()
            }
            val id = draftId
            if (batch.isNotEmpty() && id != null) {
                runCatching { repo.updateDraft(id, batch) }
                    .onSuccess { d ->
                        // Clear errors of fields the user just changed; the core re-checks on submit.
                        val changed = batch.fields()
                        _state.update { s -> s.copy(savedAt = d.updatedAt.millis(), fieldErrors = s.fieldErrors.filter { it.field !in changed }) }
                    }
                    .onFailure { e -> _state.update { it.copy(error = e.toUiError()) } }
            }
            flushes.forEach { it.complete(Unit) }
        }
    }

    private fun List<DraftEdit>.fields() = map {
        when (it) {
            is DraftEdit.Category -> "category"
            is DraftEdit.Description -> "description"
            is DraftEdit.Location -> "location"
            is DraftEdit.Ward -> "ward"
            is DraftEdit.Anonymous -> "anonymous"
            is DraftEdit.Attributes -> "attributes"
        }
    }.toSet()

    private fun show(d: Draft) {
        _state.update { s ->
            s.copy(
                draftId = d.id,
                selectedCategory = d.category,
                description = d.description,
                anonymous = d.anonymous,
                attachments = d.attachments.map { it.toItem() },
                location = d.location?.let { fix ->
                    s.location.copy(status = LocationStatus.FIXED, chosen = fix.toCandidate("chosen", d.ward))
                } ?: s.location,
                savedAt = d.updatedAt.millis(),
                error = null as UiError?,
            )
        }
    }
}
