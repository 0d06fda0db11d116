import type { SentencePieceModelData } from '../model-data.js';

/** Vocabulary size of MiniChat: LLaMA-2's 32000 pieces, Chinese pieces, then fillers to a multiple of 64. */
export const MINICHAT_VOCAB_SIZE = 49216;
const FILLER_COUNT = 21;

/**
 * Extends LLaMA-2's model the way MiniChat's vocabulary was built: Chinese pieces appended after id
 * 31999 with scores that keep decreasing by one per id, then filler pieces up to 49216. The real
 * Chinese pieces are not available here, so this takes single CJK characters that LLaMA lacks and
 * two- and three-character words made from common characters, which exercises the same merges.
 */
export function extendLikeMiniChat(base: SentencePieceModelData): SentencePieceModelData {
  const model: SentencePieceModelData = {
    ...base,
    pieces: base.pieces.map((entry) => ({ ...entry })),
    trainerSpec: { ...base.trainerSpec },
  };
  const existing = new Set(model.pieces.map((entry) => entry.piece));
  const chineseTarget = MINICHAT_VOCAB_SIZE - FILLER_COUNT;
  const add = (piece: string, limit = chineseTarget): void => {
    if (model.pieces.length >= limit || existing.has(piece)) return;
    existing.add(piece);
    const id = model.pieces.length;
    model.pieces.push({ piece, score: -(id - 259), type: 'NORMAL' });
  };

  const common = Array.from(
    '的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年得就那要下以生会自着去之过家学对可她里后小么心多天而能好都然没日于起还发成事只作当想看文无开手十用主行方又如前所本见经头面公同三已老从动两长知民样现分将外但身些与高意进把法此实回二理美点月明其种声全工己话儿者向情部正名定女问力机给等几很业最间新什打便位因重被走电四第门相次东政海口使教西再平真听世气信北少关并内加化由却代军产入先山五太水万市眼体别处总才场师书比住员九笑性通目华报立马命张活难神数件安表原车白应路期叫死常提感金何更反合放做系计或司利受光王果亲界及今京务制解各任至清物台象记边共风战干接它许八特觉望直服毛林题建南度统色字请交爱让认算论百吃义科怎元社术结六功指思非流每青管夫连远资队跟带花快条院变联言权往展该领传近留红治决周保达办运武半候七必城父强步完革深区即求品士转量空甚众技轻程告江语英基派满式李息写呢识极令黄德收脸钱党倒未持取设始版双历越史商千片容研像找友孩站广改议形委早房音火际则首单据导影失拿网香似斯专石若兵弟谁校读志飞观争究包组造落视济喜离虽坏兴医官',
  );
  const rare: string[] = [];
  for (let cp = 0x4e00; cp <= 0x9fff && rare.length < 6000; cp++) {
    const char = String.fromCodePoint(cp);
    if (!existing.has(char)) rare.push(char);
  }
  for (const char of rare.slice(0, 3000)) add(char);
  for (let i = 0; i < common.length && model.pieces.length < chineseTarget; i++) {
    for (let j = 0; j < common.length && model.pieces.length < chineseTarget; j += 3) {
      add(common[i]! + common[(i + j + 1) % common.length]!);
    }
    add(`▁${common[i]!}`);
  }
  for (let i = 0; model.pieces.length < chineseTarget; i++) {
    add(
      common[i % common.length]! +
        common[(i * 7 + 3) % common.length]! +
        common[(i * 13 + 5) % common.length]!,
    );
    if (i > 1_000_000) throw new Error('could not build enough Chinese pieces');
  }
  for (let i = 0; model.pieces.length < MINICHAT_VOCAB_SIZE; i++) {
    add(`<filler_${i}>`, MINICHAT_VOCAB_SIZE);
  }
  model.trainerSpec.vocabSize = model.pieces.length;
  return model;
}
