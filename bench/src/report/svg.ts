import type { BenchResults } from '../bench-results.js';
import { RUNNER_NAMES } from '../runs/types.js';
import { number } from './format.js';

function escapeXml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;');
}

/**
 * Renders decode tokens/s as a horizontal bar chart: one bar per runner at its median, a whisker from
 * min to max, failed runners as a labelled empty row, and dashed lines at the EXL2 and GGUF ceilings.
 */
export function renderSvg(results: BenchResults): string {
  const rows = RUNNER_NAMES.filter((name) => results.runners[name]);
  const ceilings: { label: string; value: number; color: string }[] = [];
  if (results.bandwidth) {
    ceilings.push({
      label: 'EXL2 ceiling',
      value: results.bandwidth.exl2CeilingTokensPerSecond.median,
      color: '#2b6cb0',
    });
    ceilings.push({
      label: 'GGUF ceiling',
      value: results.bandwidth.ggufCeilingTokensPerSecond.median,
      color: '#c05621',
    });
  }
  const values = rows.flatMap((name) => {
    const s = results.runners[name]!.decodeTokensPerSecond;
    return s ? [s.max] : [];
  });
  const scaleMax = Math.max(1e-9, ...values, ...ceilings.map((c) => c.value)) * 1.1;

  const left = 110;
  const plotWidth = 480;
  const rowHeight = 34;
  const top = 40;
  const height = top + rows.length * rowHeight + 50;
  const width = left + plotWidth + 30;
  const x = (value: number) => left + (value / scaleMax) * plotWidth;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="${left}" y="20" font-size="14" font-weight="bold">Decode tokens/s, median with min–max (${results.options.quick ? 'quick' : 'full'} preset)</text>`,
  );
  rows.forEach((name, index) => {
    const runner = results.runners[name]!;
    const y = top + index * rowHeight;
    parts.push(`<text x="${left - 8}" y="${y + 18}" text-anchor="end">${escapeXml(name)}</text>`);
    const s = runner.decodeTokensPerSecond;
    if (!s) {
      parts.push(
        `<text x="${left + 4}" y="${y + 18}" fill="#c53030">${escapeXml(runner.status)}: see the results file</text>`,
      );
      return;
    }
    const color = name === 'llama.cpp' ? '#a0aec0' : '#38a169';
    parts.push(`<rect x="${left}" y="${y + 6}" width="${x(s.median) - left}" height="18" fill="${color}"/>`);
    parts.push(`<line x1="${x(s.min)}" y1="${y + 15}" x2="${x(s.max)}" y2="${y + 15}" stroke="#1a202c"/>`);
    parts.push(`<text x="${x(s.max) + 4}" y="${y + 19}">${number(s.median)}</text>`);
  });
  const bottom = top + rows.length * rowHeight;
  ceilings.forEach((ceiling, index) => {
    const cx = x(ceiling.value);
    parts.push(
      `<line x1="${cx}" y1="${top}" x2="${cx}" y2="${bottom}" stroke="${ceiling.color}" stroke-dasharray="4 3"/>`,
      `<text x="${cx}" y="${bottom + 16 + index * 14}" text-anchor="middle" fill="${ceiling.color}">${escapeXml(ceiling.label)} ${number(ceiling.value)}</text>`,
    );
  });
  parts.push(`<line x1="${left}" y1="${top}" x2="${left}" y2="${bottom}" stroke="#1a202c"/>`, '</svg>');
  return `${parts.join('\n')}\n`;
}
