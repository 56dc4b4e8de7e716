package vn.phananh.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.heightIn
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.width
import androidx.compose.foundation.layout.Spacer
import androidx.compose.material3.AlertDialog
import androidx.compose.material3.Card
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.unit.dp
import vn.phananh.ui.state.MeTooState
import vn.phananh.ui.state.NearbyReportItem
import vn.phananh.ui.state.NewReportEvent

/**
 * "Đã có N phản ánh tương tự gần đây" on the new-report screen: open reports of the chosen
 * category within 150 m, each with "Tôi cũng gặp vấn đề này"; after joining, asks whether to
 * delete the draft or keep writing. Nothing is shown when there are none.
 */
@Composable
fun MeTooSection(state: MeTooState, onEvent: (NewReportEvent) -> Unit) {
    if (state.items.isNotEmpty()) {
        Column(verticalArrangement = Arrangement.spacedBy(8.dp)) {
            SectionTitle(str(Str.metoo_title, state.items.size))
            Text(str(Str.metoo_hint), style = MaterialTheme.typography.bodyMedium)
            if (state.fromCache) state.fetchedAt?.let { InfoBanner(str(Str.metoo_from_cache, dateTime(it))) }
            state.error?.let { ErrorBanner(it) }
            state.items.forEach { NearbyCard(it, state, onEvent) }
        }
    }
    if (state.askDiscard) {
        AlertDialog(
            onDismissRequest = { onEvent(NewReportEvent.KeepWritingAfterJoin) },
            title = { Text(str(Str.metoo_ask_title)) },
            text = { Text(str(Str.metoo_ask_body), style = MaterialTheme.typography.bodyMedium) },
            confirmButton = {
                TextButton(onClick = { onEvent(NewReportEvent.DiscardDraftAfterJoin) }, modifier = Modifier.heightIn(min = MinTouch)) { Text(str(Str.metoo_ask_delete)) }
            },
            dismissButton = {
                TextButton(onClick = { onEvent(NewReportEvent.KeepWritingAfterJoin) }, modifier = Modifier.heightIn(min = MinTouch)) { Text(str(Str.metoo_ask_keep)) }
            },
        )
    }
}

@Composable
private fun NearbyCard(item: NearbyReportItem, state: MeTooState, onEvent: (NewReportEvent) -> Unit) {
    Card(Modifier.fillMaxWidth()) {
        Row(Modifier.padding(12.dp), verticalAlignment = Alignment.Top) {
            item.thumbnail?.let {
                Thumbnail(it, 72.dp, contentDescription = null)
                Spacer(Modifier.width(10.dp))
            }
            Column(Modifier.weight(1f), verticalArrangement = Arrangement.spacedBy(4.dp)) {
                Row(horizontalArrangement = Arrangement.spacedBy(8.dp), verticalAlignment = Alignment.CenterVertically) {
                    StatusChip(item.status)
                    Text(str(Str.metoo_distance, distance(item.distanceM.toDouble())), style = MaterialTheme.typography.labelMedium)
                }
                Text(item.description, style = MaterialTheme.typography.bodyMedium, maxLines = 3)
                Text(str(Str.metoo_supporters, item.supporters), style = MaterialTheme.typography.bodySmall, color = MaterialTheme.colorScheme.onSurfaceVariant)
                if (state.joined == item.id) {
                    Text(str(Str.metoo_joined), style = MaterialTheme.typography.labelLarge, color = MaterialTheme.colorScheme.primary)
                } else {
                    OutlinedButton(
                        onClick = { onEvent(NewReportEvent.JoinNearby(item.id)) },
                        enabled = state.joining == null && state.joined == null,
                        modifier = Modifier.heightIn(min = MinTouch),
                    ) { Text(str(Str.metoo_join)) }
                }
            }
        }
    }
}
