"""A procedure drawn as a graph for the workflows page: states as boxes in columns by their distance from the
draft, transitions as arrows. The geometry only; the template draws it as inline SVG, so the page needs no
script and no diagram service."""

from collections import deque

BOX_WIDTH, BOX_HEIGHT, COLUMN_GAP, ROW_GAP, MARGIN = 150, 44, 56, 34, 24
LABEL_CHARACTERS = 22  # what fits in a box; the whole label is the box's tooltip


def _columns(procedure) -> dict[str, int]:
    """Each state's distance from the initial state along state-changing transitions (unreachable: last); final
    states after the furthest state that leads into them."""
    depth = {procedure.initial_state.name: 0}
    queue = deque([procedure.initial_state.name])
    while queue:
        here = queue.popleft()
        for t in procedure.transitions:
            if here in t.sources and t.target and t.target not in depth:
                depth[t.target] = depth[here] + 1
                queue.append(t.target)
    # A final state stands just after the furthest state that leads into it, so arrows into it run forwards.
    for state in procedure.states:
        if state.terminal:
            sources = [src for t in procedure.transitions if t.target == state.name for src in t.sources]
            depth[state.name] = 1 + max((depth.get(src, 0) for src in sources if src != state.name), default=0)
    last = max(depth.values()) + 1
    return {s.name: depth.get(s.name, last) for s in procedure.states}


def layout(procedure) -> dict:
    columns = _columns(procedure)
    rows: dict[int, int] = {}
    boxes = {}
    for state in procedure.states:
        column = columns[state.name]
        row = rows.get(column, 0)
        rows[column] = row + 1
        label = state.staff_label
        boxes[state.name] = {
            "name": state.name,
            "label": label if len(label) <= LABEL_CHARACTERS else label[: LABEL_CHARACTERS - 1] + "…",
            "title": label,
            "x": MARGIN + column * (BOX_WIDTH + COLUMN_GAP),
            "y": MARGIN + row * (BOX_HEIGHT + ROW_GAP),
            "terminal": state.terminal,
            "initial": state.initial,
        }
    for box in boxes.values():
        box["text_x"], box["text_y"] = box["x"] + BOX_WIDTH / 2, box["y"] + BOX_HEIGHT / 2 + 4
    labels: dict[tuple[str, str], list[str]] = {}
    for t in procedure.transitions:
        for source in t.sources:
            target = t.target_from(source)
            if target != source:
                labels.setdefault((source, target), []).append(t.label)
    edges = [_edge(boxes[source], boxes[target], names) for (source, target), names in labels.items()]
    return {
        "boxes": list(boxes.values()),
        "edges": edges,
        "width": MARGIN * 2 + (max(columns.values()) + 1) * (BOX_WIDTH + COLUMN_GAP) - COLUMN_GAP,
        "height": MARGIN * 2 + max(rows.values()) * (BOX_HEIGHT + ROW_GAP) - ROW_GAP,
        "box_width": BOX_WIDTH,
        "box_height": BOX_HEIGHT,
    }


def _edge(source: dict, target: dict, labels: list[str]) -> dict:
    """Forward arrows run from the right side of a box to the left side of the next; arrows back, or within a
    column, bend around above."""
    middle = BOX_HEIGHT / 2
    if target["x"] > source["x"]:
        x1, y1 = source["x"] + BOX_WIDTH, source["y"] + middle
        x2, y2 = target["x"], target["y"] + middle
        bend_x, bend_y = (x1 + x2) / 2, (y1 + y2) / 2
    else:
        x1, y1 = source["x"] + BOX_WIDTH / 2, source["y"]
        x2, y2 = target["x"] + BOX_WIDTH / 2 + 8, target["y"] + (0 if target["y"] <= source["y"] else BOX_HEIGHT)
        bend_x, bend_y = (x1 + x2) / 2, min(y1, y2) - ROW_GAP
    path = f"M {x1:.0f} {y1:.0f} Q {bend_x:.0f} {bend_y:.0f} {x2:.0f} {y2:.0f}"
    return {"path": path, "title": f"{source['title']} → {target['title']}: {'; '.join(labels)}"}
