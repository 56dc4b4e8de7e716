package vn.phananh.ui

import androidx.compose.foundation.clickable
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.PaddingValues
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.Spacer
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.height
import androidx.compose.foundation.layout.heightIn
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.size
import androidx.compose.foundation.layout.width
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.LazyRow
import androidx.compose.foundation.lazy.items
import androidx.compose.foundation.shape.RoundedCornerShape
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.Add
import androidx.compose.material.icons.filled.Edit
import androidx.compose.material.icons.filled.LocationOn
import androidx.compose.material.icons.filled.Search
import androidx.compose.material.icons.automirrored.filled.Send
import androidx.compose.material.icons.filled.Notifications
import androidx.compose.material.icons.filled.Settings
import androidx.compose.material.icons.filled.Warning
import androidx.compose.material3.Badge
import androidx.compose.material3.BadgedBox
import androidx.compose.material3.Card
import androidx.compose.material3.CardDefaults
import androidx.compose.material3.ExtendedFloatingActionButton
import androidx.compose.material3.FilterChip
import androidx.compose.material3.Icon
import androidx.compose.material3.IconButton
import androidx.compose.material3.LinearProgressIndicator
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Scaffold
import androidx.compose.material3.Tab
import androidx.compose.material3.TabRow
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.semantics.Role
import androidx.compose.ui.semantics.clearAndSetSemantics
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.heading
import androidx.compose.ui.semantics.role
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.text.style.TextOverflow
import androidx.compose.ui.unit.dp
import vn.phananh.ui.state.DeliveryState
import vn.phananh.ui.state.FeedArea
import vn.phananh.ui.state.HomeEvent
import vn.phananh.ui.state.HomeState
import vn.phananh.ui.state.HomeTab
import vn.phananh.ui.state.ReportSummary

/** Home: my reports and the public feed of nearby reports, a big "new report" button. */
@Composable
fun HomeScreen(state: HomeState, onEvent: (HomeEvent) -> Unit) {
    Scaffold(
        topBar = {
            PhanAnhTopBar(title = str(Str.app_name)) {
                val outboxLabel = if (state.pendingOutboxCount > 0) str(Str.home_outbox_pending, state.pendingOutboxCount) else str(Str.outbox_title)
                IconButton(onClick = { onEvent(HomeEvent.OpenOutbox) }, modifier = Modifier.size(MinTouch)) {
                    // The label sits inside the button so TalkBack reads it on the tappable node;
                    // the badge's number is part of it rather than read on its own.
                    BadgedBox(
                        badge = { if (state.pendingOutboxCount > 0) Badge { Text("${state.pendingOutboxCount}", Modifier.clearAndSetSemantics {}) } },
                        modifier = Modifier.semantics { contentDescription = outboxLabel },
                    ) {
                        Icon(Icons.AutoMirrored.Filled.Send, contentDescription = null)
                    }
                }
                IconButton(onClick = { onEvent(HomeEvent.OpenDrafts) }, modifier = Modifier.size(MinTouch)) {
                    Icon(Icons.Filled.Edit, contentDescription = str(Str.home_drafts))
                }
                IconButton(onClick = { onEvent(HomeEvent.OpenNotices) }, modifier = Modifier.size(MinTouch)) {
                    Icon(Icons.Filled.Notifications, contentDescription = str(Str.notices_title))
                }
                IconButton(onClick = { onEvent(HomeEvent.OpenSettings) }, modifier = Modifier.size(MinTouch)) {
                    Icon(Icons.Filled.Settings, contentDescription = str(Str.settings_title))
                }
            }
        },
        floatingActionButton = {
            val newReport = str(Str.home_new_report)
            ExtendedFloatingActionButton(
                onClick = { onEvent(HomeEvent.NewReport) },
                icon = { Icon(Icons.Filled.Add, contentDescription = null) },
                text = { Text(newReport, style = MaterialTheme.typography.labelLarge) },
                // Material's extended FAB hides its text from the semantics tree (found by
                // AccessibilityTest): name the button itself.
                modifier = Modifier.heightIn(min = 64.dp).semantics { contentDescription = newReport },
            )
        },
    ) { padding ->
        Column(Modifier.padding(padding).fillMaxSize()) {
            if (!state.online) InfoBanner(str(Str.home_offline), Icons.Filled.Warning)
            TabRow(selectedTabIndex = state.tab.ordinal) {
                Tab(selected = state.tab == HomeTab.MY_REPORTS, onClick = { onEvent(HomeEvent.SelectTab(HomeTab.MY_REPORTS)) },
                    modifier = Modifier.heightIn(min = MinTouch), text = { Text(str(Str.home_tab_mine), style = MaterialTheme.typography.labelLarge) })
                Tab(selected = state.tab == HomeTab.PUBLIC_FEED, onClick = { onEvent(HomeEvent.SelectTab(HomeTab.PUBLIC_FEED)) },
                    modifier = Modifier.heightIn(min = MinTouch), text = { Text(str(Str.home_tab_public), style = MaterialTheme.typography.labelLarge) })
            }
            if (state.loading || state.refreshing) LinearProgressIndicator(Modifier.fillMaxWidth())
            state.error?.let { Box(Modifier.padding(12.dp)) { ErrorBanner(it, onRetry = { onEvent(HomeEvent.Refresh) }) } }
            when (state.tab) {
                HomeTab.MY_REPORTS -> MyReports(state, onEvent)
                HomeTab.PUBLIC_FEED -> PublicFeed(state, onEvent)
            }
        }
    }
}

@Composable
private fun MyReports(state: HomeState, onEvent: (HomeEvent) -> Unit) {
    if (!state.signedIn && state.myReports.isEmpty()) {
        EmptyState(str(Str.home_sign_in_hint), str(Str.login_title), { onEvent(HomeEvent.SignIn) })
        return
    }
    if (state.myReports.isEmpty()) {
        EmptyState(str(Str.home_empty_mine), str(Str.home_new_report), { onEvent(HomeEvent.NewReport) })
        return
    }
    LazyColumn(contentPadding = PaddingValues(start = 12.dp, end = 12.dp, top = 12.dp, bottom = 96.dp), verticalArrangement = Arrangement.spacedBy(10.dp)) {
        items(state.myReports, key = { it.id }) { ReportCard(it, onClick = { onEvent(HomeEvent.OpenReport(it.id)) }) }
    }
}

@Composable
private fun PublicFeed(state: HomeState, onEvent: (HomeEvent) -> Unit) {
    Column {
        OutlinedTextField(
            value = state.feedFilter.query,
            onValueChange = { onEvent(HomeEvent.ChangeFeedFilter(state.feedFilter.copy(query = it))) },
            leadingIcon = { Icon(Icons.Filled.Search, contentDescription = null) },
            label = { Text(str(Str.feed_search)) },
            singleLine = true,
            modifier = Modifier.fillMaxWidth().padding(horizontal = 12.dp, vertical = 8.dp),
        )
        LazyRow(contentPadding = PaddingValues(horizontal = 12.dp), horizontalArrangement = Arrangement.spacedBy(8.dp)) {
            item {
                FilterChip(selected = state.feedFilter.categoryCode == null, onClick = { onEvent(HomeEvent.ChangeFeedFilter(state.feedFilter.copy(categoryCode = null))) },
                    label = { Text(str(Str.feed_all_categories)) }, modifier = Modifier.heightIn(min = 48.dp))
            }
            items(state.categories, key = { it.code }) { c ->
                FilterChip(selected = state.feedFilter.categoryCode == c.code, onClick = { onEvent(HomeEvent.ChangeFeedFilter(state.feedFilter.copy(categoryCode = c.code))) },
                    label = { Text(c.name.text()) }, modifier = Modifier.heightIn(min = 48.dp))
            }
        }
        // Says truly what the list covers: around the device only when its position is known.
        val area = when (state.feedArea) {
            FeedArea.NEARBY -> str(Str.feed_nearby, distance(state.nearbyRadiusMeters.toDouble()))
            FeedArea.PROVINCE -> str(Str.feed_province, state.provinceName)
        }
        Row(Modifier.fillMaxWidth().padding(horizontal = 12.dp, vertical = 6.dp), verticalAlignment = Alignment.CenterVertically) {
            Icon(Icons.Filled.LocationOn, contentDescription = null, tint = MaterialTheme.colorScheme.primary)
            Spacer(Modifier.width(6.dp))
            Text(area, style = MaterialTheme.typography.titleSmall, modifier = Modifier.weight(1f).semantics { heading() })
            TextButton(onClick = { onEvent(HomeEvent.OpenMap) }, modifier = Modifier.heightIn(min = 48.dp)) {
                Text(str(Str.map_open), style = MaterialTheme.typography.labelLarge)
            }
        }
        if (state.publicFeed.isEmpty()) {
            EmptyState(str(if (state.feedArea == FeedArea.NEARBY) Str.feed_empty_nearby else Str.feed_empty), null, null)
        } else {
            LazyColumn(contentPadding = PaddingValues(start = 12.dp, end = 12.dp, top = 8.dp, bottom = 96.dp), verticalArrangement = Arrangement.spacedBy(10.dp)) {
                items(state.publicFeed, key = { it.id }) { ReportCard(it, onClick = { onEvent(HomeEvent.OpenReport(it.id)) }) }
            }
        }
    }
}

/** One report in a list; read by screen readers as one sentence, opened with one tap. */
@Composable
fun ReportCard(report: ReportSummary, onClick: () -> Unit) {
    val category = report.category.text()
    val statusText = report.status?.let { statusLabel(it) } ?: report.delivery?.let { deliveryLabel(it) } ?: ""
    val place = report.ward?.fullName
    val away = report.distanceMeters?.let { str(Str.feed_distance, distance(it)) }
    val handling = report.categoryDeadlineHours?.let { str(Str.category_deadline, it) }
    val spoken = listOfNotNull(category, statusText, away, place, report.description, handling).joinToString(". ")
    Card(
        colors = CardDefaults.cardColors(containerColor = MaterialTheme.colorScheme.surface),
        elevation = CardDefaults.cardElevation(defaultElevation = 2.dp),
        modifier = Modifier.fillMaxWidth().clickable(onClick = onClick).semantics(mergeDescendants = true) {}
            .clearAndSetSemantics { contentDescription = spoken; role = Role.Button },
    ) {
        Row(Modifier.padding(12.dp)) {
            Thumbnail(report.thumbnail, 84.dp, contentDescription = null)
            Spacer(Modifier.width(12.dp))
            Column(Modifier.weight(1f)) {
                Row(verticalAlignment = Alignment.CenterVertically) {
                    Text(category, style = MaterialTheme.typography.titleSmall, maxLines = 1, overflow = TextOverflow.Ellipsis, modifier = Modifier.weight(1f))
                    if (report.unread) {
                        Badge(containerColor = MaterialTheme.colorScheme.secondary) { Text(str(Str.home_new_badge)) }
                    }
                }
                Text(report.description, style = MaterialTheme.typography.bodyMedium, maxLines = 2, overflow = TextOverflow.Ellipsis)
                Spacer(Modifier.height(6.dp))
                Row(verticalAlignment = Alignment.CenterVertically, horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                    when {
                        report.status != null -> StatusChip(report.status!!)
                        report.delivery != null -> Pill(deliveryLabel(report.delivery!!),
                            if (report.delivery is DeliveryState.Failed) MaterialTheme.colorScheme.error else MaterialTheme.colorScheme.primary)
                    }
                    away?.let { Text(it, style = MaterialTheme.typography.labelMedium, color = MaterialTheme.colorScheme.onSurfaceVariant) }
                }
                Spacer(Modifier.height(4.dp))
                val meta = listOfNotNull(place, dateTime(report.createdAt)).joinToString(" · ")
                Text(meta, style = MaterialTheme.typography.bodySmall, color = MaterialTheme.colorScheme.onSurfaceVariant, maxLines = 2)
                if (report.deadline == null && handling != null) {
                    Text(handling, style = MaterialTheme.typography.bodySmall, color = MaterialTheme.colorScheme.onSurfaceVariant)
                }
                report.deadline?.let {
                    Text(
                        str(if (report.overdue) Str.detail_overdue else Str.detail_deadline_short, dateTime(it)),
                        style = MaterialTheme.typography.bodySmall,
                        color = if (report.overdue) MaterialTheme.colorScheme.error else MaterialTheme.colorScheme.onSurfaceVariant,
                    )
                }
            }
        }
    }
}

@Composable
private fun EmptyState(text: String, action: String?, onAction: (() -> Unit)?) {
    Column(Modifier.fillMaxWidth().padding(32.dp), horizontalAlignment = Alignment.CenterHorizontally) {
        Text(text, style = MaterialTheme.typography.bodyLarge, color = MaterialTheme.colorScheme.onSurfaceVariant)
        if (action != null && onAction != null) {
            Spacer(Modifier.height(16.dp))
            OutlinedButton(onClick = onAction, modifier = Modifier.heightIn(min = MinTouch), shape = RoundedCornerShape(28.dp)) { Text(action) }
        }
    }
}
