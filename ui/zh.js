// Chinese in place of the English that Streamlit's own widgets show or announce to screen readers
// (labels, tooltips, placeholders, aria-labels). Loaded once per browser tab by ui.frame(); it watches the
// page, so texts drawn later (a dropdown opened, a dialog) are translated as they appear.
(() => {
  if (window.__lvkuangZh) return;
  window.__lvkuangZh = true;

  // Whole texts, as Streamlit writes them.
  const WORDS = {
    "Page not found": "页面不存在",
    "The page that you have requested does not seem to exist. Running the app's main page.":
      "您打开的地址没有对应的页面，已转到首页。请从左侧菜单选择页面。",
    "Skip to main content": "跳到正文",
    "No results": "没有匹配的选项",
    "No options to select.": "没有可选的选项",
    "Choose an option": "请选择",
    "Choose options": "请选择",
    "Collapse sidebar": "收起侧栏",
    "Expand sidebar": "展开侧栏",
    "Open sidebar": "展开侧栏",
    "Sidebar": "侧栏",
    "Main menu": "菜单",
    "Link to heading": "本节链接",
    "Clear all": "全部清除",
    "Clear value": "清除",
    "Selected values": "已选择",
    "Open": "展开",
    "Close": "关闭",
    "Dismiss": "关闭",
    "Failed to generate file for download": "生成文件失败，请再点一次；仍然失败时请联系系统管理员（详情在服务器日志中）。",
    "This app has encountered an error. The original error message is redacted to prevent data leaks. Full error details have been recorded in the logs (if you're on Streamlit Cloud, click on 'Manage app' in the lower right of your app).":
      "系统出错，刚才的操作如没有提示成功，则没有执行。详情已记入服务器日志，请把出错的时间告诉系统管理员。",
    "Download failed": "下载失败，请再点一次；仍然失败时请联系系统管理员。",
    "Suggestions": "可选项",
    "Show suggestions": "显示可选项",
    "Calendar": "日历",
    "Previous": "上一个月",
    "Next": "下一个月",
    "Today": "今天",
    "Start date must be before end date.": "开始日期须早于结束日期。",
    "Selected date unavailable.": "所选日期不可用。",
    "Decrement": "减少",
    "Increment": "增加",
    "Choose date": "选择日期",
    "Download as CSV": "下载为 CSV",
    "Search": "搜索",
    "Fullscreen": "全屏",
    "Close fullscreen": "退出全屏",
    "Show/hide columns": "显示或隐藏列",
    "Show data": "显示数据",
    "Download as PNG": "下载为 PNG 图片",
    "Download as SVG": "下载为 SVG 图片",
    "Copy Vega-Lite spec": "复制图表定义",
    "View source": "查看图表定义",
    "Vega visualization": "图表",
    "Running...": "正在运行…",
    "Stop": "停止",
    "Rerun": "重新运行",
    "Connecting": "正在连接",
    "Please wait...": "请稍候…",
    "progress": "进度",
    "Show password": "显示密码",
    "Hide password": "隐藏密码",
    "file upload": "上传文件",
    "Browse files": "选择文件",
    "Upload": "上传",
    "Drag and drop file here": "或把文件拖到这里",
    "Drag and drop files here": "或把文件拖到这里",
    "Delete": "删除",
    "Remove file": "删除文件",
    "Take Photo": "拍照",
    "Clear photo": "重新拍照",
    "Switch camera": "切换摄像头",
    "This app would like to use your camera.": "本页需要使用摄像头拍照，请在浏览器中允许。",
    "Learn how to allow access.": "",
    "Add row": "添加一行",
    "Delete row": "删除所选行",
    "Delete rows": "删除所选行",
    "Copy to clipboard": "复制",
    "Copied to clipboard": "已复制",
    "Search results": "搜索结果",
    "Sort ascending": "升序排列",
    "Sort descending": "降序排列",
    "Autosize": "自动列宽",
    "Pin column": "固定此列",
    "Unpin column": "取消固定",
    "Hide column": "隐藏此列",
    "streamlit_folium.st_folium": "地图",
    "yyyy": "年",
    "mm": "月",
    "dd": "日",
  };
  // Texts with a variable part.
  const PATTERNS = [
    [/^Help for (.+)$/, (m) => `“${m[1]}”的说明`],
    [/^Remove (.+)$/, (m) => `移除“${m[1]}”`],
    [/^(\d+) options? available\.?$/, (m) => `有 ${m[1]} 个选项可选。`],
    [/^(.+), selected\.?$/, (m) => `${m[1]}，已选择`],
    [/^Value must be (.+) or earlier\.?$/, (m) => `日期不能晚于 ${m[1]}。`],
    [/^Value must be (.+) or later\.?$/, (m) => `日期不能早于 ${m[1]}。`],
    [/^(day|month|year), (.+)$/, (m) => `${{ day: "日", month: "月", year: "年" }[m[1]]}，${m[2]}`],
    [/^Limit (\d+(?:\.\d+)?)\s?([KMG]B) per file(?: • (.+))?$/,
      (m) => `单个文件不超过 ${m[1]} ${m[2]}` + (m[3] ? `，类型：${m[3].split(", ").join("、")}` : "")],
    [/^File must be ([\d.]+)([KMG]B) or smaller\.?$/, (m) => `文件不能超过 ${m[1]} ${m[2]}。`],
    [/^(.+) files are not allowed\.?$/, (m) => `不接受 ${m[1]} 类型的文件。`],
    [/^([\d.]+)\s?([KMG]?B)$/, null],  // a file size: leave as it is
  ];
  const ATTRIBUTES = ["aria-label", "title", "placeholder", "alt"];

  function translate(text) {
    const trimmed = text.trim();
    if (!trimmed || !/[A-Za-z]/.test(trimmed)) return null;
    if (Object.prototype.hasOwnProperty.call(WORDS, trimmed)) return text.replace(trimmed, WORDS[trimmed]);
    for (const [pattern, make] of PATTERNS) {
      const m = trimmed.match(pattern);
      if (m) return make ? text.replace(trimmed, make(m)) : null;
    }
    return null;
  }

  function fixElement(el) {
    if (el.nodeType !== 1) return;
    // Material icons are drawn from ligature names ("keyboard_arrow_down"): a screen reader must not read them.
    if (el.matches("[data-testid='stIconMaterial']") && el.getAttribute("aria-hidden") !== "true") {
      el.setAttribute("aria-hidden", "true");
    }
    for (const name of ATTRIBUTES) {
      const value = el.getAttribute(name);
      if (value) {
        const done = translate(value);
        if (done !== null && done !== value) el.setAttribute(name, done);
      }
    }
  }

  function fixText(node) {
    const parent = node.parentElement;
    if (!parent || parent.closest("[data-testid='stIconMaterial'], script, style, code, pre, textarea, .stCode")) return;
    if (parent.closest("[data-testid='stMarkdownContainer'], [data-testid='stText'], [data-testid='stTable']")) return;
    const done = translate(node.nodeValue);
    if (done !== null && done !== node.nodeValue) node.nodeValue = done;
  }

  function walk(root) {
    if (root.nodeType === 3) { fixText(root); return; }
    if (root.nodeType !== 1) return;
    fixElement(root);
    for (const el of root.querySelectorAll("*")) fixElement(el);
    const texts = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    let node;
    while ((node = texts.nextNode())) fixText(node);
  }

  const observer = new MutationObserver((mutations) => {
    for (const m of mutations) {
      if (m.type === "childList") m.addedNodes.forEach(walk);
      else if (m.type === "characterData") fixText(m.target);
      else if (m.type === "attributes") fixElement(m.target);
    }
  });
  observer.observe(document.documentElement, {
    subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: ATTRIBUTES,
  });
  walk(document.body);
  document.documentElement.lang = "zh-CN";
})();
