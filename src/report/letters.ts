/**
 * The built-in letters, one per kind and language: what a rules folder without its own `notices/`
 * gets. `rules/notices/` of this project holds the same text for publishers to edit (a test keeps
 * the two equal).
 */

export const BUILT_IN_LETTERS = {
  credit: {
    en: `Subject: Reprint of "{{article_title}}" on {{site}}

Dear editors of {{site}},

Thank you for sharing our work with your readers. We found our article "{{article_title}}"
reprinted on your site at:

  {{page_url}}

We are glad for community sites to cross-post our articles. Our terms ask that each reprint
acknowledges the source and the copyright and carries a link to the original article. On the page
above we could not find:

{{missing}}

Could you add these to the page? The original article is at:

  {{article_url}}

If you believe we have made a mistake, or if you hold a licence from us, please tell us and we will
correct our records. We first noticed this on {{first_seen}}.

With thanks and best wishes,
{{publisher}}
`,
    es: `Subject: Reproducción de «{{article_title}}» en {{site}}

Estimados editores de {{site}}:

Gracias por compartir nuestro trabajo con sus lectores. Hemos encontrado nuestro artículo
«{{article_title}}» reproducido en su sitio, en la dirección:

  {{page_url}}

Los sitios comunitarios y sin fines comerciales pueden reproducir nuestros artículos siempre que
indiquen la fuente y el copyright, con un enlace al artículo original. En esa página no hemos
encontrado:

{{missing}}

¿Podrían añadirlo? El artículo original está en:

  {{article_url}}

Si creen que nos equivocamos, o si tienen una licencia nuestra, díganoslo y corregiremos nuestros
registros. Vimos esta reproducción por primera vez el {{first_seen}}.

Con nuestro agradecimiento y un cordial saludo,
{{publisher}}
`,
    fr: `Subject: Reprise de « {{article_title}} » sur {{site}}

Madame, Monsieur,

Merci de faire connaître notre travail à vos lecteurs. Nous avons trouvé notre article
« {{article_title}} » repris sur votre site à l'adresse :

  {{page_url}}

Les sites associatifs et non commerciaux peuvent reprendre nos articles, à condition de citer la
source et le copyright, avec un lien vers l'article original. Sur cette page, il nous manque :

{{missing}}

Pourriez-vous les ajouter ? L'article original se trouve ici :

  {{article_url}}

Si vous pensez que nous faisons erreur, ou si vous disposez d'une licence de notre part,
dites-le-nous et nous corrigerons nos registres. Nous avons remarqué cette reprise le {{first_seen}}.

Avec nos remerciements et nos meilleures salutations,
{{publisher}}
`,
  },
  licence: {
    en: `Subject: Reprint of "{{article_title}}" on {{site}}: a licence

Dear editors of {{site}},

We found our article "{{article_title}}" published on your site at:

  {{page_url}}

Our articles may be reprinted by commercial publications under a licence, which {{site}} does not
hold from us at present ({{licence}}). We would be glad to offer you one: a licence covers
reprints in full or in part, in print and online, for a fixed period, with the credit line and link
of your choice. Reply to this letter and we will send you our licence terms and rates.

Until a licence is in place, please take the reprint down. The original article is at:

  {{article_url}}

If you believe we have made a mistake, or if you already hold a licence from us, please tell us
and we will correct our records. We first noticed this on {{first_seen}}.

With best wishes,
{{publisher}}
{{publisher_home}}
`,
    es: `Subject: Reproducción de «{{article_title}}» en {{site}}: una licencia

Estimados editores de {{site}}:

Hemos encontrado nuestro artículo «{{article_title}}» publicado en su sitio, en la dirección:

  {{page_url}}

Las publicaciones comerciales pueden reproducir nuestros artículos con una licencia, y {{site}} no
tiene ninguna nuestra en este momento ({{licence}}). Con gusto le ofrecemos una: cubre la
reproducción total o parcial, en papel y en línea, por un período determinado, con el crédito y el
enlace que prefieran. Respondan a esta carta y les enviaremos nuestras condiciones y tarifas.

Mientras no haya licencia, les rogamos que retiren la reproducción. El artículo original está en:

  {{article_url}}

Si creen que nos equivocamos, o si ya tienen una licencia nuestra, díganoslo y corregiremos
nuestros registros. Vimos esta reproducción por primera vez el {{first_seen}}.

Con un cordial saludo,
{{publisher}}
{{publisher_home}}
`,
    fr: `Subject: Reprise de « {{article_title}} » sur {{site}} : une licence

Madame, Monsieur,

Nous avons trouvé notre article « {{article_title}} » publié sur votre site à l'adresse :

  {{page_url}}

Les publications commerciales peuvent reprendre nos articles sous licence, et {{site}} n'en détient
pas de notre part à ce jour ({{licence}}). Nous serions heureux de vous en proposer une : elle couvre
la reprise intégrale ou partielle, sur papier et en ligne, pour une durée déterminée, avec la
mention et le lien de votre choix. Répondez à ce courrier et nous vous enverrons nos conditions et
nos tarifs.

D'ici là, nous vous prions de retirer la reprise. L'article original se trouve ici :

  {{article_url}}

Si vous pensez que nous faisons erreur, ou si vous disposez déjà d'une licence de notre part,
dites-le-nous et nous corrigerons nos registres. Nous avons remarqué cette reprise le {{first_seen}}.

Avec nos meilleures salutations,
{{publisher}}
{{publisher_home}}
`,
  },
} as const;
