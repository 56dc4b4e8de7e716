package vn.phananh.presenter

import java.util.concurrent.atomic.AtomicLong
import kotlin.math.roundToInt
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.launch
import vn.phananh.core.NearbyReport
import vn.phananh.core.PhanAnhException
import vn.phananh.core.TenantConfig
import vn.phananh.data.DraftRepository
import vn.phananh.data.MeTooRepository
import vn.phananh.data.runCatchingExceptions
import vn.phananh.ui.state.MeTooState
import vn.phananh.ui.state.NearbyReportItem

/**
 * The "me too" part of the new-report screen (issue 13), kept apart from the draft editing:
 * [NewReportPresenter] calls [lookup] once the draft has a category and a position (and again
 * when either changes), and hands it the join/discard events. Only the latest lookup is shown.
 */
internal class MeTooSearch(
    private val repo: MeTooRepository,
    private val drafts: DraftRepository,
    private val scope: CoroutineScope,
    private val config: TenantConfig,
    private val syncNow: () -> Unit,
    private val update: ((MeTooState) -> MeTooState) -> Unit,
) {
    private val generation = AtomicLong()

    fun lookup(draftId: String) {
        val mine = generation.incrementAndGet()
        scope.launch {
            runCatchingExceptions { repo.nearbyForDraft(draftId) }
                .onSuccess { r ->
                    if (generation.get() == mine) update { s ->
                        s.copy(items = r.items.map { it.toItem() }, fromCache = r.fromCache, fetchedAt = r.fetchedAt.millis(), error = null)
                    }
                }
                .onFailure { e ->
                    // No category or position yet: nothing to compare with, nothing to say.
                    if (generation.get() == mine) update { s ->
                        if (e is PhanAnhException.Validation) s.copy(items = emptyList(), error = null) else s.copy(error = e.toUiError())
                    }
                }
        }
    }

    fun join(reportId: String) {
        update { it.copy(joining = reportId, error = null) }
        scope.launch {
            runCatchingExceptions { repo.joinReport(reportId) }
                .onSuccess {
                    syncNow()
                    update { it.copy(joining = null, joined = reportId, askDiscard = true) }
                }
                .onFailure { e -> update { it.copy(joining = null, error = e.toUiError()) } }
        }
    }

    /** The resident chose to drop the draft after joining: the screen then closes. */
    fun discard(draftId: String) {
        scope.launch {
            runCatchingExceptions { drafts.deleteDraft(draftId) }
                .onSuccess { update { it.copy(askDiscard = false, draftDiscarded = true) } }
                .onFailure { e -> update { it.copy(askDiscard = false, error = e.toUiError()) } }
        }
    }

    fun keepWriting() = update { it.copy(askDiscard = false) }

    private fun NearbyReport.toItem() = NearbyReportItem(
        id = report.id,
        category = config.categoryName(report.category),
        description = report.description,
        status = report.status.toUi(),
        distanceM = distanceM.roundToInt(),
        supporters = report.supporters.toInt(),
        thumbnail = report.media.firstOrNull()?.toPhoto(keep = false),
    )
}
