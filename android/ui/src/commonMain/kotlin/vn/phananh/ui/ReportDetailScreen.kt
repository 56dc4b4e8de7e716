package vn.phananh.ui

import androidx.compose.foundation.background
import androidx.compose.foundation.clickable
import androidx.compose.foundation.horizontalScroll
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.IntrinsicSize
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.Spacer
import androidx.compose.foundation.layout.fillMaxHeight
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.height
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.size
import androidx.compose.foundation.layout.width
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.shape.RoundedCornerShape
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.Card
import androidx.compose.material3.CardDefaults
import androidx.compose.material3.HorizontalDivider
import androidx.compose.material3.LinearProgressIndicator
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Scaffold
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import androidx.compose.ui.draw.clip
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.semantics.heading
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.unit.dp
import vn.phananh.ui.state.MediaKind
import vn.phananh.ui.state.PhotoRef
import vn.phananh.ui.state.ReportDetailEvent
import vn.phananh.ui.state.ReportDetailState
import vn.phananh.ui.state.TimelineEntry
import vn.phananh.ui.state.UnitAnswer

/** Report detail: what was reported, who handles it by when, the answer, the timeline, rating. */
@Composable
fun ReportDetailScreen(state: ReportDetailState, onEvent: (ReportDetailEvent) -> Unit) {
    Scaffold(topBar = { PhanAnhTopBar(str(Str.detail_title), onBack = { onEvent(ReportDetailEvent.Back) }) }) { padding ->
        Column(Modifier.padding(padding).fillMaxSize().verticalScroll(rememberScrollState()).padding(16.dp), verticalArrangement = Arrangement.spacedBy(10.dp)) {
            if (state.loading) LinearProgressIndicator(Modifier.fillMaxWidth())
            state.error?.let { ErrorBanner(it, onRetry = { onEvent(ReportDetailEvent.Refresh) }) }
            Text(state.category.text(), style = MaterialTheme.typography.headlineSmall, modifier = Modifier.semantics { heading() })
            Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                state.status?.let { StatusChip(it) }
                if (state.status == null) state.delivery?.let { Pill(deliveryLabel(it), MaterialTheme.colorScheme.primary) }
                if (state.anonymous) Pill(str(Str.detail_anonymous), MaterialTheme.colorScheme.onSurfaceVariant)
            }
            Text(state.description, style = MaterialTheme.typography.bodyLarge)
            if (state.photos.isNotEmpty()) Photos(state.photos, onEvent)
            HorizontalDivider()
            LabelValue(str(Str.detail_place), state.ward?.fullName ?: str(Str.location_no_ward))
            LabelValue(str(Str.detail_sent_at), dateTime(state.createdAt))
            state.unitName?.let { LabelValue(str(Str.detail_unit), it) }
            state.deadline?.let {
                LabelValue(str(Str.detail_deadline), dateTime(it) + if (state.overdue) " · " + str(Str.detail_overdue_flag) else "",
                    valueColor = if (state.overdue) MaterialTheme.colorScheme.error else Color.Unspecified)
            }
            state.rejectionReason?.let { LabelValue(str(Str.detail_rejected_reason), it, MaterialTheme.colorScheme.error) }
            state.duplicateOf?.let { LabelValue(str(Str.detail_duplicate_of), "#$it") }
            state.answer?.let { Answer(it, onEvent) }
            state.closure?.let { ClosureCard(it, onEvent) }
            if (state.timeline.isNotEmpty()) {
                SectionTitle(str(Str.detail_timeline))
                state.timeline.forEachIndexed { i, e -> TimelineRow(e, last = i == state.timeline.lastIndex) }
            }
            state.myRating?.let { r ->
                SectionTitle(str(Str.detail_my_rating))
                Text(r.label.text() + if (r.reopenRequested) " · " + str(Str.rating_reopen_requested) else "", style = MaterialTheme.typography.bodyLarge)
                r.comment?.let { Text("“$it”", style = MaterialTheme.typography.bodyMedium) }
                if (r.pending) Text(str(Str.delivery_queued), style = MaterialTheme.typography.bodySmall, color = MaterialTheme.colorScheme.onSurfaceVariant)
            }
            if (state.canRate) {
                PrimaryButton(str(if (state.myRating == null) Str.detail_rate else Str.detail_edit_rating), onClick = { onEvent(ReportDetailEvent.Rate) })
            }
            Spacer(Modifier.height(16.dp))
        }
    }
}

@Composable
private fun Photos(photos: List<PhotoRef>, onEvent: (ReportDetailEvent) -> Unit) {
    Row(Modifier.horizontalScroll(rememberScrollState()), horizontalArrangement = Arrangement.spacedBy(8.dp)) {
        photos.forEachIndexed { i, p ->
            // Read out as what it is: "Video 1" for a video (its thumbnail is the poster frame).
            val video = p.kind == MediaKind.VIDEO
            val n = photos.take(i + 1).count { (it.kind == MediaKind.VIDEO) == video }
            val label = p.caption ?: str(if (video) Str.attachment_video_n else Str.attachment_photo_n, n)
            Thumbnail(p, 120.dp, contentDescription = label, modifier = Modifier.clickable { onEvent(ReportDetailEvent.OpenPhoto(p)) })
        }
    }
}

@Composable
private fun Answer(answer: UnitAnswer, onEvent: (ReportDetailEvent) -> Unit) {
    // A light card in both themes, so its text is dark in both (found in the dark screenshots).
    Card(colors = CardDefaults.cardColors(containerColor = Color(0xFFE6F4EA), contentColor = Color(0xFF10261A)), modifier = Modifier.fillMaxWidth()) {
        Column(Modifier.padding(14.dp), verticalArrangement = Arrangement.spacedBy(6.dp)) {
            Text(str(Str.detail_answer_from, answer.unitName), style = MaterialTheme.typography.titleSmall, color = Color(0xFF0E4D25))
            Text(dateTime(answer.answeredAt), style = MaterialTheme.typography.bodySmall, color = Color(0xFF0E4D25))
            Text(answer.text, style = MaterialTheme.typography.bodyLarge)
            if (answer.photos.isNotEmpty()) Photos(answer.photos, onEvent)
        }
    }
}

@Composable
private fun TimelineRow(entry: TimelineEntry, last: Boolean) {
    val color = entry.status?.let { statusColor(it) } ?: MaterialTheme.colorScheme.outline
    Row(Modifier.fillMaxWidth().height(IntrinsicSize.Min)) {
        Column(Modifier.width(24.dp).fillMaxHeight(), horizontalAlignment = androidx.compose.ui.Alignment.CenterHorizontally) {
            Box(Modifier.padding(top = 4.dp).size(14.dp).clip(RoundedCornerShape(50)).background(color))
            if (!last) Box(Modifier.width(2.dp).weight(1f).background(MaterialTheme.colorScheme.outlineVariant))
        }
        Spacer(Modifier.width(10.dp))
        Column(Modifier.padding(bottom = 14.dp).weight(1f)) {
            Text(entry.status?.let { statusLabel(it) } ?: str(Str.detail_update), style = MaterialTheme.typography.titleSmall, color = color)
            Text(dateTime(entry.at), style = MaterialTheme.typography.bodySmall, color = MaterialTheme.colorScheme.onSurfaceVariant)
            entry.unitName?.let { Text(it, style = MaterialTheme.typography.bodyMedium) }
            entry.message?.let { Text(it, style = MaterialTheme.typography.bodyMedium) }
        }
    }
}
