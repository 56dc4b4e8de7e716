package vn.phananh.presenter

import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.currentCoroutineContext
import kotlinx.coroutines.isActive
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch
import java.time.Instant
import vn.phananh.core.LocationAssessment
import vn.phananh.core.LocationSource
import vn.phananh.ui.state.LocationWarning as UiLocationWarning
import vn.phananh.core.Draft
import vn.phananh.core.DraftEdit
import vn.phananh.core.LocationFix
import vn.phananh.core.PhanAnhException
import vn.phananh.core.LocalState
import vn.phananh.data.DraftRepository
import vn.phananh.data.MeTooRepository
import vn.phananh.data.runCatchingExceptions
import vn.phananh.ui.state.NewReportEvent
import vn.phananh.ui.state.LocationState
import vn.phananh.ui.state.LocationStatus
import vn.phananh.ui.state.NewReportState
import vn.phananh.ui.state.UiError

/**
 * The "new report" screen. Every change is autosaved by the core (nothing typed is lost if the
 * app dies); saves go through one queue so they land in the order the user made them. The
 * platform shell feeds files ([attach]) and device fixes ([deviceFix]); validation and the move
 * into the outbox are the core's. Opens draft [openDraft] (from the drafts list), or else starts
 * a new one: earlier unsent drafts stay in the drafts list. A new draft the user left without
 * entering anything is discarded ([leave]), so the drafts list and the unsent count only hold
 * what the user wrote.
 */
class NewReportPresenter(
    private val repo: DraftRepository,
    private val scope: CoroutineScope,
    openDraft: String? = null,
    /** Gives the core time to deliver (the app's sync trigger), once the report is in the outbox. */
    private val syncNow: () -> Unit = {},
    /** "Me too" (issue 13): nearby open reports like this one; none without it. */
    meToo: MeTooRepository? = null,
    /**
     * Where the autosave queue runs: a scope that outlives the screen (the app's), so what the
     * user typed just before closing is saved after the screen's [scope] is cancelled.
     */
    saveScope: CoroutineScope = scope,
) : Presenter<NewReportState, NewReportEvent> {
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
    override val state: StateFlow<NewReportState> = _state.asStateFlow()

    private val _submitted = MutableStateFlow<String?>(null)
    /** Client id of the outbox item once the report is submitted (the screen then closes). */
    val submitted: StateFlow<String?> = _submitted.asStateFlow()

    /** Edits in the order the user made them, and flush requests ([submit] sends what the user sees). */
    private val ops = Channel<Any>(Channel.UNLIMITED)
    private val saver: Job
    @Volatile private var draftId: String? = null
    /** Completed once [start] has opened the draft: a file handed in before that waits for it. */
    private val opened = CompletableDeferred<String>()
    private val deviceFixes = mutableListOf<LocationFix>()
    private val photoFixes = java.util.concurrent.CopyOnWriteArrayList<Pair<String, LocationFix>>()
    private val meTooSearch = meToo?.let { MeTooSearch(it, repo, scope, config, syncNow) { change -> _state.update { s -> s.copy(meToo = change(s.meToo)) } } }

    init {
        saver = saveScope.launch { saveLoop() }
        // The screen is gone (closed, back, its view-model cleared): no new edits can come; the
        // queue saves what is already in it, then the loop ends.
        scope.coroutineContext[Job]?.invokeOnCompletion { ops.close(); opened.cancel() }
        scope.launch { start(openDraft) }
    }

    override fun onEvent(event: NewReportEvent) {
        when (event) {
            is NewReportEvent.SelectCategory -> edit(DraftEdit.Category(event.code)) { it.copy(selectedCategory = event.code) }
            is NewReportEvent.ChangeDescription -> edit(DraftEdit.Description(event.text)) { it.copy(description = event.text) }
            is NewReportEvent.ChangeAnonymous -> edit(DraftEdit.Anonymous(event.anonymous)) { it.copy(anonymous = event.anonymous) }
            is NewReportEvent.RemoveAttachment -> removeAttachment(event.id)
            is NewReportEvent.ChooseLocation -> chooseLocation(event.candidateId)
            NewReportEvent.Submit -> submit()
            is NewReportEvent.JoinNearby -> meTooSearch?.join(event.reportId)
            NewReportEvent.DiscardDraftAfterJoin -> draftId?.let { meTooSearch?.discard(it) }
            NewReportEvent.KeepWritingAfterJoin -> meTooSearch?.keepWriting()
            is NewReportEvent.Shell -> Unit
        }
    }

    /** Opens draft [id], or a new one. */
    private suspend fun start(id: String?) {
        val draft = runCatchingExceptions {
            if (id != null) repo.draft(id) else repo.createDraft()
        }.getOrElse { e -> _state.update { it.copy(error = e.toUiError()) }; opened.completeExceptionally(e); return }
        this.draftId = draft.id
        opened.complete(draft.id)
        show(draft)
        lookForSimilar()
    }

    /**
     * The user leaves the screen (closed, back): a draft with nothing the user entered (no
     * category, no text, no photo or video) is deleted on [appScope], which outlives the screen.
     * A position alone is not the user's work: the device measured it.
     */
    fun leave(appScope: CoroutineScope) {
        val id = draftId ?: return
        val s = _state.value
        if (s.submitted || s.selectedCategory != null || s.description.isNotBlank() || s.attachments.isNotEmpty()) return
        appScope.launch {
            runCatchingExceptions {
                // Checked again on the stored draft: an attachment may still have been on its way.
                val d = repo.draft(id)
                if (d.state is LocalState.Draft && d.category == null && d.description.isBlank() && d.attachments.isEmpty()) repo.deleteDraft(id)
            }
        }
    }

    /**
     * What the platform knows about the device's position: a [fix], or none, with [status]
     * saying why (permission refused, no fix came) or that the device is still being asked.
     */
    fun deviceFix(fix: LocationFix?, status: LocationStatus) {
        when {
            // The core chooses among recent device fixes and the photos' own positions.
            fix != null -> onDeviceFix(fix)
            status == LocationStatus.PERMISSION_DENIED -> locationUnavailable(permissionDenied = true)
            status == LocationStatus.UNAVAILABLE -> locationUnavailable(permissionDenied = false)
            // Still asking: shown until a position is chosen.
            status == LocationStatus.ACQUIRING -> _state.update {
                if (it.location.chosen != null) it else it.copy(location = it.location.copy(status = LocationStatus.ACQUIRING))
            }
            else -> Unit
        }
    }

    /**
     * A fix from the platform's location provider. The core chooses among the recent fixes and
     * the photos' own positions, names the ward, and says what to double-check.
     */
    private fun onDeviceFix(fix: LocationFix) {
        synchronized(deviceFixes) {
            deviceFixes += fix
            while (deviceFixes.size > MAX_FIXES) deviceFixes.removeAt(0)
        }
        relocate(null)
    }

    /** No fix can come (permission refused, location off). */
    private fun locationUnavailable(permissionDenied: Boolean) = _state.update {
        if (it.location.chosen != null) it
        else it.copy(location = it.location.copy(status = if (permissionDenied) LocationStatus.PERMISSION_DENIED else LocationStatus.UNAVAILABLE))
    }

    /** The user placed the pin here, on the pin-adjust screen (it wins over GPS and photos). */
    fun pin(lat: Double, lon: Double) = relocate(LocationFix(lat, lon, null, null, Instant.now(), LocationSource.MANUAL))

    /** A position given directly (a pin, or a fix the shell already chose). */
    fun setLocation(fix: LocationFix) = relocate(fix)

    /** One of the offered alternatives (a photo's own position) becomes the pin. */
    private fun chooseLocation(candidateId: String) {
        _state.value.location.alternatives.firstOrNull { it.id == candidateId }?.let { pin(it.lat, it.lon) }
    }

    /** Queued with the edits, so the core sees them in the order the user made them. */
    private fun relocate(extra: LocationFix?) {
        ops.trySend(Relocate(extra))
    }

    private class Relocate(val extra: LocationFix?)

    private suspend fun doRelocate(id: String, extra: LocationFix?) {
        val fixes = synchronized(deviceFixes) { deviceFixes.toList() } + listOfNotNull(extra)
        runCatchingExceptions { repo.setDraftLocation(id, fixes) }
            .onSuccess { a -> showLocation(a); lookForSimilar() }
            .onFailure { e -> _state.update { it.copy(error = e.toUiError()) } }
    }

    private fun showLocation(a: LocationAssessment) = _state.update { s ->
        val lookup = a.lookup
        val warnings = a.warnings.map { it.toUi() }.toMutableList()
        if (lookup != null && lookup.insideProvince && lookup.reportWard == null) warnings += UiLocationWarning.NoWard
        val chosen = a.fix?.toCandidate("chosen", lookup?.reportWard)
        s.copy(
            location = s.location.copy(
                status = when {
                    chosen != null -> LocationStatus.FIXED
                    a.keepWaiting -> LocationStatus.ACQUIRING
                    else -> s.location.status
                },
                chosen = chosen,
                alternatives = photoFixes.filter { (_, f) -> chosen == null || f.lat != chosen.lat || f.lon != chosen.lon }
                    .map { (attId, f) -> f.toCandidate("photo:$attId", null) },
                warnings = warnings,
            ),
            fieldErrors = if (chosen != null) s.fieldErrors.filter { it.field != "location" } else s.fieldErrors,
        )
    }

    /** A photo or video file from the camera or the gallery (platform). */
    fun addAttachment(path: String) {
        scope.launch { attach(path) }
    }

    /**
     * [addAttachment], returning once the core has copied the file (the caller may then delete
     * it): true when attached, false when refused (the error is in the state).
     */
    suspend fun attach(path: String): Boolean {
        // A picker or camera result can arrive before the draft is open (the screen has just
        // been created, or recreated after the process died while the picker was in front).
        val id = draftId ?: runCatchingExceptions { opened.await() }.getOrElse { return false }
        return runCatchingExceptions { repo.addAttachment(id, path) }
            .onSuccess { a ->
                _state.update { s -> s.copy(attachments = s.attachments + a.toItem(), error = null) }
                // A photo that knows where it was taken is a location candidate.
                a.exifLocation?.let { fix -> photoFixes += a.id to fix; relocate(null) }
            }
            .onFailure { e -> _state.update { it.copy(error = e.toUiError()) } }
            .isSuccess
    }

    private fun removeAttachment(attachmentId: String) {
        scope.launch {
            runCatchingExceptions { repo.removeAttachment(attachmentId) }
                .onSuccess { _state.update { s -> s.copy(attachments = s.attachments.filter { it.id != attachmentId }) } }
                .onFailure { e -> _state.update { it.copy(error = e.toUiError()) } }
        }
    }

    /** Validates and moves the draft into the outbox; problems are shown next to their fields. */
    private fun submit() {
        val id = draftId ?: return
        _state.update { it.copy(submitting = true, error = null) }
        scope.launch {
            flushEdits()
            runCatchingExceptions { repo.submitDraft(id) }
                .onSuccess { item ->
                    _submitted.value = item.clientId
                    syncNow()
                    _state.update { it.copy(submitting = false, submitted = true, fieldErrors = emptyList()) }
                }
                .onFailure { e ->
                    _state.update {
                        if (e is PhanAnhException.Validation) it.copy(submitting = false, fieldErrors = e.errors.map { f -> f.toFieldMessage() })
                        else it.copy(submitting = false, error = e.toUiError())
                    }
                }
        }
    }

    /** Waits until every edit and location change made so far is saved. */
    suspend fun flushEdits() {
        val done = CompletableDeferred<Unit>()
        // Closed with the screen: the loop is saving what is left, and ends when it is saved.
        if (ops.trySend(done).isSuccess) done.await() else saver.join()
    }

    private fun edit(e: DraftEdit, local: (NewReportState) -> NewReportState) {
        _state.update(local)
        ops.trySend(e)
    }

    private suspend fun saveLoop() {
        // Edits made before the draft is open wait for it (typing starts at once); none can be
        // saved if it never opens (the error is on screen, or the screen was closed first).
        try { opened.await() } catch (e: CancellationException) { if (!currentCoroutineContext().isActive) throw e; return } catch (e: Exception) { return }
        for (first in ops) {
            // Coalesce what piled up (fast typing) into one transaction; a relocation is
            // applied after the edits made before it.
            val batch = mutableListOf<DraftEdit>()
            val flushes = mutableListOf<CompletableDeferred<Unit>>()
            var next: Any? = first
            while (next != null) {
                @Suppress("UNCHECKED_CAST")
                when (next) {
                    is DraftEdit -> batch += next
                    is CompletableDeferred<*> -> flushes += next as CompletableDeferred<Unit>
                    is Relocate -> {
                        save(batch)
                        batch.clear()
                        draftId?.let { doRelocate(it, next.extra) }
                    }
                }
                next = ops.tryReceive().getOrNull()
            }
            save(batch)
            flushes.forEach { it.complete(Unit) }
        }
    }

    private suspend fun save(batch: List<DraftEdit>) {
        val id = draftId
        if (batch.isEmpty() || id == null) return
        runCatchingExceptions { repo.updateDraft(id, batch) }
            .onSuccess { d ->
                // Clear errors of fields the user just changed; the core re-checks on submit.
                val changed = batch.fields()
                _state.update { s -> s.copy(savedAt = d.updatedAt.millis(), fieldErrors = s.fieldErrors.filter { it.field !in changed }) }
                if ("category" in changed) lookForSimilar()
            }
            .onFailure { e -> _state.update { it.copy(error = e.toUiError()) } }
    }

    /** Once the draft has a category and a position, the core looks for open reports like it. */
    private fun lookForSimilar() {
        val s = _state.value
        val id = draftId ?: return
        if (s.selectedCategory != null && s.location.chosen != null) meTooSearch?.lookup(id)
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

    private companion object {
        /** Recent device fixes offered to the core's choice. */
        const val MAX_FIXES = 5
    }

    private fun show(d: Draft) {
        photoFixes.clear()
        d.attachments.forEach { a -> a.exifLocation?.let { photoFixes += a.id to it } }
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
